-- wrk script: file tickets as a staff member. TOKEN and ORG come from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"organization_id":' .. (os.getenv("ORG") or "1") ..
  ',"type":"incident","environment":"production","product":"Qixium",' ..
  '"subject":"Load test ticket","description":"Created by bench/load.sh"}'
