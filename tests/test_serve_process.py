"""`python -m hub serve` as a real process on a fresh machine: an empty working directory, no
configuration but the port (and the database when testing on PostgreSQL). It must migrate,
print how to log in, serve the API, and stop cleanly on Ctrl+C."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from tests.served import Hub


async def test_first_start_prints_a_login_that_works(
    environment: dict[str, str], tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{environment['HUB_PORT']}"
    hub = Hub(tmp_path, environment)
    try:
        await hub.start()
        printed = "\n".join(hub.output)
        assert f"Log in at {base}/" in printed
        assert "username: admin" in printed
        password = re.search(r"password: (\S+)", printed)
        assert password is not None, printed

        async with aiohttp.ClientSession(base) as http:
            async with http.get("/readyz") as response:
                assert response.status == 200
                assert await response.json() == {"status": "ok", "database": "ok"}
            async with http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": password[1]}
            ) as response:
                assert response.status == 200, await response.text()
                token = (await response.json())["token"]
            async with http.post(
                "/api/v1/boards",
                json={"name": "Launch"},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 201, await response.text()
                assert (await response.json())["name"] == "Launch"

            # Ctrl+C with a client still connected: the hub closes its socket and stops.
            async with http.ws_connect(
                "/ws", headers={"Authorization": f"Bearer {token}"}
            ) as socket:
                assert (await socket.receive_json())["type"] == "subscribed"
                assert await hub.stop() == 0
                closing = await socket.receive()
                assert closing.type == aiohttp.WSMsgType.CLOSE
                assert closing.data == aiohttp.WSCloseCode.GOING_AWAY

        if "HUB_DATABASE_URL" not in environment:
            assert (tmp_path / "data" / "hub.db").is_file()

        # A second start finds the admin: no new password, and the data is still there.
        hub.output.clear()
        await hub.start()
        assert not any("password:" in line for line in hub.output), hub.output
        assert await hub.stop() == 0
    finally:
        await hub.kill()
    assert "Traceback" not in hub.log.read_text()
