"""Players and search: what chooses a move in a position.

``gocnn.play.search`` is the PUCT tree search over the evaluator (:mod:`gocnn.model.evaluator`);
``gocnn.play.players`` the players the front ends talk to (:class:`SearchPlayer` here; the
policy-only :class:`gocnn.engine.PolicyPlayer` and the move rules it applies live in
:mod:`gocnn.engine` until the move to this package is finished); ``gocnn.play.clock`` the
time manager.
"""
