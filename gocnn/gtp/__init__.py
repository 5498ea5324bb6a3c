"""The GTP side of gocnn: the command table (:mod:`gocnn.gtp.engine`), the match referee
(:mod:`gocnn.gtp.match`) and KataGo's JSON analysis protocol (:mod:`gocnn.gtp.analysis`)."""
