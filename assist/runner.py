"""Running the AI off the send path: a task per visitor message, a few at a time.

`submit()` is called from the thread that committed the message (a REST worker thread, a
WebSocket send's `database_sync_to_async` thread, the admin, a command), or on the server's
loop itself after a send of `messaging.fast_send`. It only hands the job over and returns;
the send's ack and broadcasts never wait for it.

- In a server process the job becomes an asyncio task on the server's event loop: at most
  `AI_CONCURRENCY` run at once, at most MAX_WAITING wait for a turn and any more are
  dropped (a suggestion that comes minutes late helps no one). A provider's HTTP call
  waits on the loop without holding a thread; database work runs on a pool of
  `AI_CONCURRENCY` threads of its own, so it never takes the threads that sends use, and
  what it broadcasts leaves from the server's loop like every other broadcast.
- Without a running loop (a command, a shell, a WSGI server) the job runs in a background
  thread with an event loop of its own; those threads are joined when the process exits.

docs/architecture.md ("AI assist") says why this and not a separate worker, with figures.
"""

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from weakref import WeakKeyDictionary

from channels.db import DatabaseSyncToAsync
from django.conf import settings

from realtime.broadcast import loop_of_caller

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]

# Jobs of one process waiting for a free slot; beyond this, new ones are dropped.
MAX_WAITING = 200

_lock = threading.Lock()
_pools: dict[str, ThreadPoolExecutor] = {}
_loops: "WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState]" = WeakKeyDictionary()
_running = 0
_idle = threading.Condition(_lock)
# Set in the jobs that run on the server's loop (not a command's loop of its own).
_on_server_loop: ContextVar[bool] = ContextVar("assist_on_server_loop", default=False)


class _LoopState:
    def __init__(self) -> None:
        self.slots = asyncio.Semaphore(max(1, int(settings.AI_CONCURRENCY)))
        self.waiting = 0
        self.tasks: set[asyncio.Task] = set()


def _pool(name: str) -> ThreadPoolExecutor:
    with _lock:
        if name not in _pools:
            _pools[name] = ThreadPoolExecutor(
                max_workers=max(1, int(settings.AI_CONCURRENCY)), thread_name_prefix=name
            )
        return _pools[name]


def database(fn: Callable) -> Callable[..., Awaitable]:
    """`fn` as a coroutine on the AI's own database threads (connections closed after)."""
    return DatabaseSyncToAsync(fn, thread_sensitive=False, executor=_pool("assist-db"))


def submit(job: Job) -> None:
    """Run `job` soon, off the caller's path; never raises, never waits."""
    _count(+1)
    try:
        loop = loop_of_caller()
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(_start, job)
        else:
            _pool("assist-bg").submit(lambda: asyncio.run(_alone(job)))
    except Exception:  # a loop that closed meanwhile, an interpreter shutting down
        _count(-1)
        logger.warning("AI job not started", exc_info=True)


def _start(job: Job) -> None:
    loop = asyncio.get_running_loop()
    state = _loops.get(loop)
    if state is None:
        state = _loops[loop] = _LoopState()
    if state.waiting >= MAX_WAITING:
        _count(-1)
        logger.warning("AI busy: %s jobs wait, a visitor message gets no suggestion", MAX_WAITING)
        return
    task = loop.create_task(_in_turn(state, job))
    state.tasks.add(task)  # the loop keeps only weak references to tasks
    task.add_done_callback(state.tasks.discard)
    # Counted off however the task ends, even cancelled before it started.
    task.add_done_callback(lambda _task: _count(-1))


def on_server_loop() -> bool:
    """Whether the running job is on the server's loop, which lives as long as the process
    (its resources, like `livechat.async_db`'s pool, are worth making)."""
    return _on_server_loop.get()


async def _in_turn(state: _LoopState, job: Job) -> None:
    _on_server_loop.set(True)  # this task's own context
    state.waiting += 1
    try:
        await state.slots.acquire()
    finally:
        state.waiting -= 1
    try:
        await _guarded(job)
    finally:
        state.slots.release()


async def _alone(job: Job) -> None:
    try:
        await _guarded(job)
    finally:
        _count(-1)


async def _guarded(job: Job) -> None:
    try:
        await job()
    except Exception:
        logger.exception("AI job failed")


def _count(delta: int) -> None:
    global _running
    with _idle:
        _running += delta
        if _running <= 0:
            _idle.notify_all()


def wait_idle(timeout: float) -> bool:
    """Block until no job of this process is queued or running (a command about to exit,
    a test about to clean up); False if some still are after `timeout` seconds."""
    with _idle:
        return _idle.wait_for(lambda: _running <= 0, timeout=timeout)
