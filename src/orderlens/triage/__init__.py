"""AI-assisted triage: SLA-breach risk, explanations, recommendations, spikes and audit.

The pieces follow the life of a score. :mod:`~orderlens.triage.features` rebuilds what an
exception looked like at a past moment (only events up to that moment), so a model can
learn from history without seeing the future; :mod:`~orderlens.triage.model` trains a
gradient-boosted classifier on those snapshots and scores the open queue;
:mod:`~orderlens.triage.baseline` is the rules-only queue it must beat, and
:mod:`~orderlens.triage.evaluation` compares the two on a later period or another
scenario. :mod:`~orderlens.triage.explanations` turns a score into plain words,
:mod:`~orderlens.triage.recommendations` proposes the next action within the policy in
``policy.yaml``, and :mod:`~orderlens.triage.spike_detection` watches the exception,
order and integration-failure counts per node, carrier, supplier, channel and interface
that :mod:`~orderlens.triage.watched_events` reads. :mod:`~orderlens.triage.store`
writes the published ``triage`` tables and the audit log of every proposal. Only the
evaluations read a simulation's answer key: :mod:`~orderlens.triage.spike_evaluation`
scores alerts against its injected causes, and
:mod:`~orderlens.triage.scenario_evaluation` runs backtests and that scoring end to end
on simulated scenarios. See ``docs/triage.md``.
"""
