"""`manage.py livechat_smoke --url http://HOST:PORT --username U --password P`

The check a deployer runs after an upgrade: a real agent and a real visitor talk through the
running server, every step of the WebSocket contract is timed, and a ✓/✗ checklist is
printed. Exits non-zero when any step fails. Leaves one closed conversation behind.
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError

from realtime.client import LiveSocket, ProtocolError, http_login, widget_session


@dataclass
class Step:
    name: str
    ok: bool | None = None  # None: not run
    ms: float = 0.0
    detail: str = ""


class Smoke:
    def __init__(self, url: str, username: str, password: str, typing_timeout: float):
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.typing_timeout = typing_timeout
        self.steps: list[Step] = []
        self.agent: LiveSocket | None = None
        self.visitor: LiveSocket | None = None
        self.tag = uuid.uuid4().hex[:8]
        self.state: dict = {}

    async def step(self, name: str, action: Callable[[], Awaitable[float | str | None]]) -> None:
        """Run one check. It returns None (timed here), or its own latency, or a detail."""
        step = Step(name)
        self.steps.append(step)
        started = time.perf_counter()
        result = await action()
        step.ms = (time.perf_counter() - started) * 1000
        if isinstance(result, float):
            step.ms = result
        elif isinstance(result, str):
            step.detail = result
        step.ok = True

    async def run(self, planned: list[str]) -> None:
        try:
            await self._run()
        except (ProtocolError, OSError, TimeoutError, KeyError, AssertionError) as exc:
            failed = self.steps[-1] if self.steps and self.steps[-1].ok is None else None
            if failed is None:
                failed = Step("setup")
                self.steps.append(failed)
            failed.ok = False
            failed.detail = str(exc) or type(exc).__name__
        finally:
            await self._cleanup()
        done = {s.name for s in self.steps}
        self.steps += [Step(name) for name in planned if name not in done]

    async def _run(self) -> None:
        cookie = None
        session = None
        state = self.state

        async def login():
            nonlocal cookie
            cookie = await asyncio.to_thread(http_login, self.url, self.username, self.password)

        async def agent_hello():
            self.agent = await LiveSocket.agent(self.url, cookie)
            hello = self.agent.hello
            assert hello.get("role") == "agent" and hello.get("user", {}).get("id"), hello

        async def visitor_hello():
            nonlocal session
            session = await asyncio.to_thread(
                widget_session, self.url, name=f"Smoke test {self.tag}"
            )
            self.visitor = await LiveSocket.visitor(self.url, session["token"])
            hello = self.visitor.hello
            assert hello.get("role") == "visitor", hello
            assert hello["visitor"]["id"] == session["visitor"]["id"], hello
            availability = await self.visitor.expect("agents:availability")
            assert availability["online"] is True, availability

        async def visitor_to_agent():
            started = time.perf_counter()
            ack = await self.visitor.request(
                "send_message", body="Hello from the smoke test", client_id=f"smoke-{self.tag}-1"
            )
            message = ack["message"]
            state["conversation_id"] = message["conversation_id"]
            await self.agent.expect(
                "new_message", where=lambda f: f["message"]["id"] == message["id"]
            )
            latency = (time.perf_counter() - started) * 1000
            again = await self.visitor.request(
                "send_message", body="Hello from the smoke test", client_id=f"smoke-{self.tag}-1"
            )
            assert again["message"]["id"] == message["id"], "client_id is not idempotent"
            await self.agent.request(
                "conversation:join", conversation_id=message["conversation_id"]
            )
            return latency

        async def agent_to_visitor():
            started = time.perf_counter()
            ack = await self.agent.request(
                "send_message",
                conversation_id=state["conversation_id"],
                body="Hello from the agent",
                client_id=f"smoke-{self.tag}-2",
            )
            state["agent_message"] = ack["message"]
            await self.visitor.expect(
                "new_message", where=lambda f: f["message"]["id"] == ack["message"]["id"]
            )
            return (time.perf_counter() - started) * 1000

        async def edit():
            message_id = state["agent_message"]["id"]
            await self.agent.request("edit_message", message_id=message_id, body="Hello (edited)")
            frame = await self.visitor.expect(
                "message:updated", where=lambda f: f["message"]["id"] == message_id
            )
            assert frame["message"]["body"] == "Hello (edited)", frame

        async def delete():
            message_id = state["agent_message"]["id"]
            await self.agent.request("delete_message", message_id=message_id)
            frame = await self.visitor.expect(
                "message:deleted", where=lambda f: f["message"]["id"] == message_id
            )
            assert frame["message"]["deleted"] is True and frame["message"]["body"] == "", frame

        async def typing():
            await self.visitor.request("typing:start")
            state["typing_at"] = time.perf_counter()
            frame = await self.agent.expect("typing:start")
            assert frame["conversation_id"] == state["conversation_id"], frame

        async def typing_auto_stop():
            await self.agent.expect("typing:stop", timeout=self.typing_timeout + 3)
            after = time.perf_counter() - state["typing_at"]
            assert after >= self.typing_timeout - 0.5, f"stopped after {after:.2f}s"
            state["typing_after"] = after
            return max(0.0, (after - self.typing_timeout) * 1000)

        async def status_change():
            await self.agent.request(
                "conversation:update_status",
                conversation_id=state["conversation_id"],
                status="pending",
            )
            frame = await self.visitor.expect("conversation:updated")
            assert frame["conversation"]["status"] == "pending", frame

        async def ai_toggle():
            # On first, whatever it was (a new conversation's AI is off with an empty
            # knowledge base, and a hand-off turns it off): then off is a change to see.
            conversation_id = state["conversation_id"]
            await self.agent.request("ai:toggle", conversation_id=conversation_id, enabled=True)
            ack = await self.agent.request(
                "ai:toggle", conversation_id=conversation_id, enabled=False
            )
            assert ack["conversation"]["ai_enabled"] is False, ack
            frame = await self.visitor.expect(
                "ai_status_changed",
                where=lambda f: f["ai_enabled"] is False and f["changed_by"]["type"] == "agent",
            )
            assert frame["conversation_id"] == conversation_id, frame

        async def reconnect_and_sync():
            version = (await self.visitor.request("sync", since_version=0))["version"]
            await self.visitor.close()
            self.visitor = None
            missed = await self.agent.request(
                "send_message",
                conversation_id=state["conversation_id"],
                body="Sent while you were away",
                client_id=f"smoke-{self.tag}-3",
            )
            started = time.perf_counter()
            self.visitor = await LiveSocket.visitor(self.url, session["token"])
            assert self.visitor.hello["conversation"]["id"] == state["conversation_id"]
            ack = await self.visitor.request("sync", since_version=version)
            ids = [m["id"] for m in ack["messages"]]
            assert missed["message"]["id"] in ids, f"sync missed the message: {ids}"
            return (time.perf_counter() - started) * 1000

        await self.step("agent login (HTTP, CSRF, password hashing)", login)
        await self.step("agent socket: hello", agent_hello)
        await self.step("visitor session + socket: hello, availability", visitor_hello)
        await self.step("message visitor → agent (idempotent)", visitor_to_agent)
        await self.step("message agent → visitor", agent_to_visitor)
        await self.step("edit message", edit)
        await self.step("delete message", delete)
        await self.step("typing:start reaches the agent", typing)
        await self.step("typing auto-stop (beyond the timeout)", typing_auto_stop)
        await self.step("status change", status_change)
        await self.step("AI toggle", ai_toggle)
        await self.step("reconnect + sync", reconnect_and_sync)

    async def _cleanup(self) -> None:
        conversation_id = self.state.get("conversation_id")
        if self.agent is not None and conversation_id and self.agent.open:
            with contextlib.suppress(ProtocolError, OSError, TimeoutError):
                await self.agent.call(
                    "conversation:update_status", conversation_id=conversation_id, status="closed"
                )
        for sock in (self.agent, self.visitor):
            if sock is not None:
                await sock.close()


PLAN = [
    "agent login (HTTP, CSRF, password hashing)",
    "agent socket: hello",
    "visitor session + socket: hello, availability",
    "message visitor → agent (idempotent)",
    "message agent → visitor",
    "edit message",
    "delete message",
    "typing:start reaches the agent",
    "typing auto-stop (beyond the timeout)",
    "status change",
    "AI toggle",
    "reconnect + sync",
]


class Command(BaseCommand):
    help = "Smoke-test a running Pro Livechat server over HTTP and WebSockets."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000")
        parser.add_argument("--username", required=True, help="an agent's username")
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--typing-timeout",
            type=float,
            default=5.0,
            help="the server's typing auto-stop delay in seconds (default 5)",
        )

    def handle(self, *args, url, username, password, typing_timeout, **options):
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        smoke = Smoke(url, username, password, typing_timeout)
        asyncio.run(smoke.run(PLAN))
        self.stdout.write(f"Pro Livechat smoke test against {url}")
        width = max(len(s.name) for s in smoke.steps)
        for step in smoke.steps:
            if step.ok is None:
                self.stdout.write(f"  - {step.name.ljust(width)}  not run")
            elif step.ok:
                line = f"  ✓ {step.name.ljust(width)}  {step.ms:8.1f} ms"
                self.stdout.write(self.style.SUCCESS(line))
            else:
                self.stdout.write(self.style.ERROR(f"  ✗ {step.name.ljust(width)}  {step.detail}"))
        failed = [s for s in smoke.steps if not s.ok]
        if failed:
            raise CommandError(f"{len(failed)} of {len(smoke.steps)} checks failed or did not run")
        self.stdout.write(self.style.SUCCESS(f"All {len(smoke.steps)} checks passed."))
