"""Read models across the pathway steps: the patient chart (beside reports and exchange)."""
