"""Git's smart HTTP protocol, served at the root (`<server>/<org>/<repo>.git/…`): the view (views.py),
the request body and its receive-pack commands (body.py), the URLs (urls.py), and the hooks git runs
on a push (hooks/). git itself runs through repos/git/ only."""
