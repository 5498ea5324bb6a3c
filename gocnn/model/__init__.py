"""Model configs, the nets built from them, and model files.

Configs are frozen dataclasses; ``build_net(config)`` turns one into a ``torch.nn.Module``
through the conv core (``gocnn.model.layers``).  Two kinds exist:

* ``PolicyConfig`` - the AlphaGo-style move-prediction net: a kxk first convolution, a tower of
  3x3 convolutions (or residual blocks), and a per-point head: 1x1 convolution to one plane plus
  a separate bias for every point, giving logits (N, S*S) - no pass move, no softmax.
* ``ClassifierConfig`` - an image classifier given by a layer spec (the MNIST nets in
  ``gocnn.mnist``), giving logits (N, num_classes).

Policy presets (19x19, 20 input planes - ``basic20``; ``layers`` counts every convolution,
the 1x1 head included):

==========  ======  =======  =========================  ==========
preset      layers  filters  shape                      parameters
==========  ======  =======  =========================  ==========
tiny           3       32    5x5, 1 x 3x3, 1x1 head         25,673
small          6       64    5x5, 4 x 3x3, 1x1 head        180,201
medium         8       96    5x5, 6 x 3x3, 1x1 head        546,793
maddison      12      128    5x5, 10 x 3x3, 1x1 head     1,540,457
alphago       13      192    5x5, 11 x 3x3, 1x1 head     3,748,393
alphago256    13      256    5x5, 11 x 3x3, 1x1 head     6,619,753
res6x64       14       64    5x5, 6 residual blocks, BN    476,457
==========  ======  =======  =========================  ==========

(With AlphaGo's 48 feature planes, ``alphago`` has 3,882,793 parameters.)

Where things live: :mod:`gocnn.model.layers` (the conv core, no Go in it),
:mod:`gocnn.model.config` (configs, presets), :mod:`gocnn.model.net` (the nets),
:mod:`gocnn.model.files` (safetensors files, never pickle), :mod:`gocnn.model.evaluator`
(boards -> masked policy and value: the one softmax).
"""

from gocnn.model.config import (POLICY_PRESETS, ClassifierConfig, PolicyConfig, config_from_json,
                                config_to_json, plays_size, policy_spec)
from gocnn.model.files import (FORMAT, FORMAT_VERSION, default_model_path, load_model, model_hash,
                               read_config, read_metadata, resolve_model_path, save_model)
from gocnn.model.net import (GoNet, ValueHead, _unwrap, build_classifier, build_net, build_policy,
                             for_inference, transplant)

__all__ = ["POLICY_PRESETS", "ClassifierConfig", "PolicyConfig", "config_from_json", "config_to_json",
           "plays_size", "policy_spec", "FORMAT", "FORMAT_VERSION", "default_model_path", "load_model",
           "model_hash", "read_config", "read_metadata", "resolve_model_path", "save_model", "GoNet",
           "ValueHead", "build_classifier", "build_net", "build_policy", "for_inference", "transplant"]
