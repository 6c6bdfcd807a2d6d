"""Signed webhooks (Standard Webhooks): endpoints, fan-out of events, delivery with retries."""
