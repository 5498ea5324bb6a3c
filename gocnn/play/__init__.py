"""Players and search: what chooses a move in a position.

:mod:`gocnn.play.policy` holds the :class:`~gocnn.play.policy.Player` protocol, the move rules
(own eyes, big self-atari, superko, pass and resign) and the policy-only players;
:mod:`gocnn.play.search` the PUCT tree search over the evaluator
(:mod:`gocnn.model.evaluator`); :mod:`gocnn.play.players` the :class:`SearchPlayer` the front
ends talk to; :mod:`gocnn.play.clock` the time manager; :mod:`gocnn.play.game` games between
nets, many at once (the runner of self-play, arena matches and RL, and of ``gocnn bench selfplay``).
"""
