"""The rules of Go without torch: coordinates (:mod:`gocnn.go.coords`), positions and rules
(:mod:`gocnn.go.board`), SGF records (:mod:`gocnn.go.sgf`) and scoring (:mod:`gocnn.go.scoring`)."""
