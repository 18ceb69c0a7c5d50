"""Chirp's domain package, shared by every Lambda function through the layer.

One sub-package per aggregate (users, auth, tweets, follows); data access lives
in `chirp.adapters` behind the small interfaces each aggregate declares, and
`chirp.http` holds the HTTP concerns the API function needs (request schemas,
error mapping, response shapes). Nothing here imports boto3 or pynamodb outside
`chirp.adapters`.
"""
