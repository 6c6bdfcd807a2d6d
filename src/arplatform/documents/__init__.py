"""Printable documents the core produces itself, e.g. dunning letters as PDF.

``arplatform.documents.letter`` renders a business letter (letterhead, window
envelope address, subject, body) to PDF bytes with reportlab.
"""
