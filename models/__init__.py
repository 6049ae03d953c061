"""The classifier: seed corpus, features, training, evaluation and versioned persistence.

Pure Python and scikit-learn: nothing here knows about Flask, Celery or the database.
"""

from .classifier import LABELS
from .classifier import Classifier
from .classifier import LabelScore
from .classifier import Scores

__all__ = ["LABELS", "Classifier", "LabelScore", "Scores"]
