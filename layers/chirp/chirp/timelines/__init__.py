"""Home timelines: hybrid push/pull fan-out (seed 000 §6).

Ordinary authors' tweets are pushed into their active followers' timeline items
by the fan-out and timeline-writer functions; celebrities' tweets are not pushed
but merged in when a follower reads. See `service.py` (reads), `fanout.py`
(what a stream record asks of which timelines) and `writer.py` (applying it).
"""
