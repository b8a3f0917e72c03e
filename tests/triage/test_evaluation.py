"""Backtest figures against hand-worked answers."""

import numpy as np
import pandas as pd
import pytest

from orderlens.triage.evaluation import precision_at_top, queue_precision_at_k, reliability_table


def test_precision_at_top_counts_positives_among_the_highest_scores():
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 1])
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.1, 0.0, 0.05, 0.6])
    assert precision_at_top(labels, scores, share=0.2) == pytest.approx(0.5)
    assert precision_at_top(labels, scores, share=0.4) == pytest.approx(0.75)


def test_queue_precision_at_k_averages_over_queues_long_enough():
    at = pd.Series(["t1", "t1", "t1", "t2", "t2", "t3"])
    labels = np.array([1, 0, 1, 0, 1, 1])
    scores = np.array([0.9, 0.8, 0.1, 0.9, 0.2, 0.5])
    value, judged = queue_precision_at_k(at, labels, scores, k=2)
    assert judged == 2
    assert value == pytest.approx((0.5 + 0.5) / 2)


def test_reliability_table_bins_predictions_and_reports_observed_rates():
    labels = np.array([0, 0, 1, 1, 1])
    predicted = np.array([0.05, 0.15, 0.12, 0.95, 1.0])
    table = reliability_table(labels, predicted, bins=10)
    assert [(round(b.lower, 1), b.rows) for b in table] == [(0.0, 1), (0.1, 2), (0.9, 2)]
    assert table[1].observed_rate == pytest.approx(0.5)
    assert table[1].mean_predicted == pytest.approx(0.135)
    assert table[2].observed_rate == pytest.approx(1.0)
