"""Scale-out is configuration: two daphne processes share Redis and the database, and what
happens through one reaches sockets connected to the other."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest
from websockets.asyncio.client import connect

from sessions import services
from tests.conftest import session_for
from tests.servers import Daphne

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


async def frames_until(ws, predicate, within: float = 10.0) -> str:
    seen = []
    async with asyncio.timeout(within):
        while True:
            frame = await ws.recv()
            seen.append(frame)
            if predicate(frame):
                return frame


def count_is(n: int):
    return lambda frame: f'data-count="{n}"' in frame


def ws_url(server: Daphne, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def scenario(
    a: Daphne, b: Daphne, workshop, step_title: str, facilitator_session: str
) -> None:
    origin = {"origin": b.url}
    projector_path = f"/ws/display/{workshop.display_token}/"
    async with connect(ws_url(b, projector_path), additional_headers=origin) as projector:
        await frames_until(projector, count_is(0))

        # A delegate joins through process A and opens the phone page's socket there.
        async with httpx.AsyncClient(base_url=a.url) as phone:
            page = await phone.get(f"/j/{workshop.join_token}/")
            joined = await phone.post(
                f"/j/{workshop.join_token}/",
                data={"csrfmiddlewaretoken": csrf_of(page.text), "display_name": "Ali"},
                headers={"referer": a.url},
            )
            assert joined.status_code == 302, joined.text
            cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
        phone_headers = {"origin": a.url, "cookie": cookie}
        phone_path = f"/ws/phone/{workshop.pk}/"
        async with connect(ws_url(a, phone_path), additional_headers=phone_headers) as phone_ws:
            await frames_until(phone_ws, lambda f: "Waiting for the facilitator" in f)
            await frames_until(projector, count_is(1))

            # The facilitator moves the room through process A; B's projector follows.
            async with httpx.AsyncClient(base_url=a.url) as console:
                console.cookies.set("sessionid", facilitator_session)
                page = await console.get(f"/console/workshops/{workshop.pk}/")
                moved = await console.post(
                    f"/console/workshops/{workshop.pk}/show/",
                    data={"csrfmiddlewaretoken": csrf_of(page.text), "go": "next"},
                    headers={"referer": a.url},
                )
                assert moved.status_code == 302, moved.text
            await frames_until(projector, lambda f: step_title in f)
            await frames_until(phone_ws, lambda f: step_title in f)
        # The phone's tab closed on A: B's projector count goes down.
        await frames_until(projector, count_is(0))


def test_what_happens_through_one_process_reaches_sockets_on_another(
    workshop, facilitator, redis_url
):
    step = services.add_step(workshop=workshop, title="Pick the challenge")
    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    with Daphne(env) as a, Daphne(env) as b:
        try:
            asyncio.run(scenario(a, b, workshop, step.title, session_for(facilitator)))
        except BaseException:
            print("process A:\n", a.output(), "\nprocess B:\n", b.output())
            raise
