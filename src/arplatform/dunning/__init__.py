"""Dunning: plans of levels, the daily run, grouped communications, delivery."""
