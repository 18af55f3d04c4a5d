-- wrk script: GETs of the URL given on the command line as a signed-in browser would.
wrk.headers["Cookie"] = "sladesk_session=" .. os.getenv("COOKIE")
