"""Subscribers per feed: counted from requests and access logs, kept in SQLite, reported.

agents.py knows the readers and bots by their User-Agent; db.py is the only code that
touches the database; keys.py holds the day's hashing key, shared between workers and
never written to disk; recorder.py takes requests off the request path; logs.py imports
access logs; report.py and chart.py make the numbers and pictures that cli.py and
page.py show.
"""
