"""AI-assisted triage: the risk model, the scored work queue and spike alerts."""
