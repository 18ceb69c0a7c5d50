"""The embedded target's S3: SeaweedFS for storage, a front that adds what S3 does and SeaweedFS does not.

- `server`: starts `weed mini` (objects persist in `<data>/s3/weed`, signatures checked with the runtime's key pair);
- `front`: THE S3 endpoint of the runtime, a proxy that relays every request unchanged but for POST uploads
  (checked as S3 checks them: `post_form`, `post_policy`), CORS (`cors`) and notifications (`notifications`);
- `service`: the two as one thing the runtime starts, configures per bucket and stops;
- `cdn`: a CloudFront stand-in serving a distribution's bucket paths on the API's port.
"""
