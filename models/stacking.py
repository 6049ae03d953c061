"""The second stage: boosted trees over per-block linear scores, calibrated.

One linear SVM per feature block (words, characters, signals) and one over the whole
row give each comment four decision values; a small HistGradientBoostingClassifier
reads them beside the raw signal columns and learns what a single linear model over the
whole row cannot: that a high character score means less when the signals say "a
reader's callback", or that word and signal evidence together mean more than their sum.
The trees are trained on out-of-fold block scores (grouped, so a paraphrase never
scores its own twin), the block models used at scoring time are refitted on everything,
and the trees (one model, fitted on everything) are sigmoid-calibrated on their own
grouped out-of-fold scores.

`CompiledStack` is the scoring fast path: the block scores of both labels are one
product with a (features, blocks) matrix, and every tree of both labels is walked at
once in numpy instead of scikit-learn's per-call validation and per-tree loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold
from sklearn.svm import LinearSVC

from .encoding import Encoded
from .features import N_FEATURES

RANDOM_STATE = 20261125
INNER_FOLDS = 5
CALIBRATION_FOLDS = 3


def layout(width: int) -> tuple[list[tuple[int, int]], list[int]]:
    """The blocks of `features.build_features()`'s row and the columns given to the trees raw.

    Words, characters, signals, and the whole row (its own linear score: cross-validated
    on the train split, it lifts claim precision beside the three block scores), then every
    signal column as it is. Grouped CV on the train split (three fold splits): without the
    raw signals the stage loses spam recall to the single linear head.
    """
    signals = 2 * N_FEATURES
    blocks = [(0, N_FEATURES), (N_FEATURES, signals), (signals, width), (0, width)]
    return blocks, list(range(signals, width))


def block_model() -> LinearSVC:
    return LinearSVC(C=1.0, class_weight="balanced", random_state=RANDOM_STATE)


def second_stage(**params: Any) -> HistGradientBoostingClassifier:
    settings: dict[str, Any] = {
        "max_iter": 100,
        "learning_rate": 0.05,
        "max_depth": 3,
        "max_leaf_nodes": 8,
        "min_samples_leaf": 20,
        "l2_regularization": 1.0,
        "early_stopping": False,
        "random_state": RANDOM_STATE,
    }
    settings.update(params)
    return HistGradientBoostingClassifier(**settings)


class StackedHead(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """Per-block linear decision values, then calibrated boosted trees over them.

    `blocks` are the (start, stop) column ranges of the feature row; `raw_columns` are
    columns of the row (signals) handed to the trees as they are, beside the scores.
    """

    def __init__(
        self,
        blocks: Sequence[tuple[int, int]] = (),
        raw_columns: Sequence[int] = (),
        folds: int = INNER_FOLDS,
        stage_params: dict[str, Any] | None = None,
    ) -> None:
        self.blocks = blocks
        self.raw_columns = raw_columns
        self.folds = folds
        self.stage_params = stage_params

    def fit(self, matrix: Any, y: Any, groups: Sequence[str] | None = None) -> StackedHead:
        matrix = sp.csr_matrix(matrix)
        y = np.asarray(y).astype(int)
        groups = list(groups) if groups is not None else [str(i) for i in range(len(y))]
        parts = [matrix[:, start:stop].tocsr() for start, stop in self.blocks]
        scores = np.zeros((len(y), len(parts)))
        for train, held_out in GroupKFold(self.folds).split(matrix, y, groups):
            for index, part in enumerate(parts):
                model = block_model().fit(part[train], y[train])
                scores[held_out, index] = model.decision_function(part[held_out])
        self.coefs_ = []
        self.intercepts_ = np.zeros(len(parts))
        for index, part in enumerate(parts):
            model = block_model().fit(part, y)
            self.coefs_.append(np.ravel(model.coef_).astype(np.float64))
            self.intercepts_[index] = float(np.ravel(model.intercept_)[0])
        inputs = self._with_raw(scores, matrix)
        splits = list(GroupKFold(CALIBRATION_FOLDS).split(inputs, y, groups))
        self.stage_ = CalibratedClassifierCV(
            second_stage(**(self.stage_params or {})), method="sigmoid", cv=splits, ensemble=False
        ).fit(inputs, y)
        self.stage_.cv = CALIBRATION_FOLDS  # the splits were for fitting, not for keeping
        self.classes_ = np.array([0, 1])
        return self

    def _with_raw(self, scores: np.ndarray, matrix: Any) -> np.ndarray:
        if not len(self.raw_columns):
            return scores
        raw = sp.csr_matrix(matrix)[:, list(self.raw_columns)].toarray()
        return np.hstack([scores, raw])

    def block_scores(self, matrix: Any) -> np.ndarray:
        matrix = sp.csr_matrix(matrix)
        columns = [
            matrix[:, start:stop] @ coef + intercept
            for (start, stop), coef, intercept in zip(
                self.blocks, self.coefs_, self.intercepts_, strict=True
            )
        ]
        return np.column_stack(columns)

    def stage_inputs(self, matrix: Any) -> np.ndarray:
        return self._with_raw(self.block_scores(matrix), matrix)

    def predict_proba(self, matrix: Any) -> np.ndarray:
        return np.asarray(self.stage_.predict_proba(self.stage_inputs(matrix)))

    def word_weights(self, width: int) -> np.ndarray:
        """The first block's (the words') linear weights over the whole row, for reasons."""
        start, stop = self.blocks[0]
        weights = np.zeros(width)
        weights[start:stop] = self.coefs_[0]
        return weights


@dataclass(frozen=True)
class CompiledStack:
    """`StackedHead.predict_proba` of one or more heads reduced to arrays.

    The heads' block scores are one product with a (features, blocks of every head)
    matrix, and the trees of every head and calibration fold are evaluated together.
    Each tree is laid out as a complete binary tree of the greatest depth, in heap order
    (a leaf above that depth fills every slot below it; its padding splits compare with
    +inf, so they always go left). One comparison of the batch's inputs with every split
    of every tree, then one gather per level, finds each tree's leaf: scikit-learn walks
    the trees one by one behind per-call checks, and a node-by-node walk in numpy cost
    ~18 µs per comment. The inputs are finite (linear scores and signal columns), so the
    trees' missing-value branches are never taken.
    """

    weights: np.ndarray  # (n_features, blocks): each block's coefficients in its own rows
    intercepts: np.ndarray  # (blocks,)
    raw_start: int  # the raw columns are the row's last ones, from here
    feature: np.ndarray  # (trees * splits,): the input each split reads, heap order
    threshold: np.ndarray  # (trees * splits,): go right when the input is greater
    leaves: np.ndarray  # (trees * 2**depth,): each leaf's value, padded
    tree_fold: np.ndarray  # (trees, folds): one-hot, sums leaf values per fold
    baselines: np.ndarray  # (folds,)
    slopes: np.ndarray
    offsets: np.ndarray
    fold_head: np.ndarray  # (folds, heads): each head's mean over its folds
    depth: int

    @classmethod
    def of(cls, head: Any, width: int) -> CompiledStack | None:
        return cls.of_many([head], width)

    @classmethod
    def of_many(cls, heads: Sequence[Any], width: int) -> CompiledStack | None:
        """One structure for several heads that read the same raw columns, else None."""
        if not heads or not all(isinstance(head, StackedHead) for head in heads):
            return None
        raw_columns = np.asarray(heads[0].raw_columns, dtype=np.int64)
        raw_start = int(raw_columns[0]) if len(raw_columns) else width
        if not np.array_equal(raw_columns, np.arange(raw_start, width)) or any(
            list(head.raw_columns) != list(heads[0].raw_columns) for head in heads
        ):
            return None  # the fast path reads the row's last columns only
        n_scores = sum(len(head.blocks) for head in heads)
        weights = np.zeros((width, n_scores))
        intercepts = np.zeros(n_scores)
        trees: list[tuple[np.ndarray, np.ndarray]] = []  # (nodes, input index of features)
        folds_of: list[int] = []
        baselines: list[float] = []
        slopes: list[float] = []
        offsets: list[float] = []
        head_of: list[int] = []
        first = 0
        for index, head in enumerate(heads):
            blocks = len(head.blocks)
            for block, ((start, stop), coef) in enumerate(
                zip(head.blocks, head.coefs_, strict=True)
            ):
                weights[start:stop, first + block] = coef
            intercepts[first : first + blocks] = head.intercepts_
            # the head's own inputs: its scores, then the raw columns after every score
            inputs = np.concatenate(
                [first + np.arange(blocks), n_scores + np.arange(len(raw_columns))]
            )
            for calibrated in head.stage_.calibrated_classifiers_:
                model = calibrated.estimator
                for [predictor] in model._predictors:
                    trees.append((predictor.nodes, inputs))
                    folds_of.append(len(baselines))
                baselines.append(float(np.ravel(model._baseline_prediction)[0]))
                slopes.append(float(calibrated.calibrators[0].a_))
                offsets.append(float(calibrated.calibrators[0].b_))
                head_of.append(index)
            first += blocks
        depth = max(1, max(int(nodes["depth"].max()) for nodes, _ in trees))
        splits, slots = 2**depth - 1, 2**depth
        feature = np.zeros((len(trees), splits), dtype=np.int64)
        threshold = np.full((len(trees), splits), np.inf)
        leaves = np.zeros((len(trees), slots))
        for index, (nodes, _) in enumerate(trees):
            _lay_out(nodes, 0, 0, 0, depth, feature[index], threshold[index], leaves[index])
            feature[index] = trees[index][1][feature[index]]
        tree_fold = np.zeros((len(trees), len(baselines)))
        tree_fold[np.arange(len(trees)), folds_of] = 1.0
        fold_head = np.zeros((len(baselines), len(heads)))
        fold_head[np.arange(len(baselines)), head_of] = 1.0
        fold_head /= fold_head.sum(axis=0)
        return cls(
            weights=weights,
            intercepts=intercepts,
            raw_start=raw_start,
            feature=feature.ravel(),
            threshold=threshold.ravel(),
            leaves=leaves.ravel(),
            tree_fold=tree_fold,
            baselines=np.array(baselines),
            slopes=np.array(slopes),
            offsets=np.array(offsets),
            fold_head=fold_head,
            depth=depth,
        )

    def inputs(self, rows: Encoded | sp.csr_matrix) -> np.ndarray:
        """Every head's block scores, then the raw columns."""
        if isinstance(rows, Encoded):
            scores = rows.dot(self.weights) + self.intercepts
            columns, values, indptr = rows.columns, rows.values, rows.indptr
            width = rows.width
        else:
            matrix = sp.csr_matrix(rows)
            scores = np.asarray(matrix @ self.weights) + self.intercepts
            columns, values, indptr = matrix.indices, matrix.data, matrix.indptr
            width = matrix.shape[1]
        raw = np.zeros((len(scores), width - self.raw_start))
        if len(raw.T):  # the raw columns are the row's last ones: no column slicing
            line = np.repeat(np.arange(len(scores)), np.diff(indptr))
            kept = columns >= self.raw_start
            raw[line[kept], columns[kept] - self.raw_start] = values[kept]
        return np.hstack([scores, raw])

    def predict_many(self, rows: Encoded | sp.csr_matrix) -> np.ndarray:
        """(rows, heads) probabilities."""
        inputs = self.inputs(rows)
        right = (inputs[:, self.feature] > self.threshold).ravel()
        n_trees = len(self.tree_fold)
        splits = 2**self.depth - 1
        start = (np.arange(len(inputs)) * (n_trees * splits))[:, None] + np.arange(n_trees) * splits
        position = np.zeros((len(inputs), n_trees), dtype=np.int64)
        for _ in range(self.depth):
            position = 2 * position + 1 + right[start + position]
        leaf = position + (np.arange(n_trees) * (splits + 1) - splits)
        raw = self.leaves[leaf] @ self.tree_fold + self.baselines
        probability = expit(-(raw * self.slopes + self.offsets)) @ self.fold_head
        return np.asarray(np.minimum(probability, 1.0))

    def predict_proba(self, rows: Encoded | sp.csr_matrix) -> np.ndarray:
        """The first head's probabilities."""
        return self.predict_many(rows)[:, 0]


def _lay_out(
    nodes: np.ndarray,
    node: int,
    slot: int,
    level: int,
    depth: int,
    feature: np.ndarray,
    threshold: np.ndarray,
    leaves: np.ndarray,
) -> None:
    """Write the subtree at `node` into heap slot `slot` of a complete tree of `depth`."""
    if level == depth or nodes[node]["is_leaf"]:
        first = slot
        for _ in range(depth - level):
            first = 2 * first + 1  # the leftmost leaf below: padding always goes left
        if level < depth:
            span = 2 ** (depth - level)
            leaves[first - (2**depth - 1) : first - (2**depth - 1) + span] = nodes[node]["value"]
        else:
            leaves[slot - (2**depth - 1)] = nodes[node]["value"]
        return
    feature[slot] = nodes[node]["feature_idx"]
    threshold[slot] = nodes[node]["num_threshold"]
    for child, side in ((int(nodes[node]["left"]), 1), (int(nodes[node]["right"]), 2)):
        _lay_out(nodes, child, 2 * slot + side, level + 1, depth, feature, threshold, leaves)
