"""Realistic demo data for `manage.py livechat_seed_demo`: a coffee shop's support chats in
Indonesian and English, with AI answers, agents' replies, edits, deletions, closes and
reopens, spread over the last days with a working-hours rhythm.

Rows are built in memory with the ids, `seq`, `version` and timestamps the services would
have given them, and written with `bulk_create` (a million messages take minutes, not hours);
the invariants the services keep (seq 1..n, versions, last_message, closed_at only when
closed, first_response_at from the first agent message) hold for every conversation.
"""

import contextlib
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import models

from conversations.actors import AGENTS_GROUP
from conversations.models import (
    Agent,
    Conversation,
    ConversationStatus,
    ConversationStatusChange,
    Visitor,
    hash_token_secret,
)
from messaging.models import EditKind, Message, MessageEdit, SenderType

DEMO_AGENTS = [
    ("demo-rina", "Rina", "Wijaya"),
    ("demo-dimas", "Dimas", "Prasetyo"),
    ("demo-sarah", "Sarah", "Lim"),
    ("demo-tom", "Tom", "Hughes"),
    ("demo-ayu", "Ayu", "Kusuma"),
]

NAMES = {
    "id": [
        "Budi Santoso", "Siti Rahayu", "Agus Pratama", "Dewi Lestari", "Rizky Hidayat",
        "Putri Ayu", "Andi Wijaya", "Nur Aisyah", "Fajar Nugroho", "Maya Putri",
        "Wahyu Saputra", "Intan Permata", "Yoga Firmansyah", "Ratna Sari", "Bayu Aditya",
    ],
    "en": [
        "Tom Becker", "Emily Clarke", "James Wilson", "Sophie Martin", "Lucía Fernández",
        "Kenji Sato", "Olivia Brown", "Liam O'Connor", "Chloé Dubois", "Noah Schmidt",
    ],
}  # fmt: skip

OPENERS = {
    "id": [
        "Halo, pesanan saya belum sampai, bisa dicek?",
        "Apakah bisa kirim ke Surabaya hari ini?",
        "Kak, kode promo saya tidak bisa dipakai.",
        "Saya mau tukar gilingan kopinya, caranya bagaimana?",
        "Metode pembayaran apa saja yang tersedia?",
        "Kemasan yang saya terima sobek.",
        "Berapa lama pengiriman ke Makassar?",
        "Apakah Gayo Highland masih ada stok?",
    ],
    "en": [
        "Hi! My discount code isn't accepted at checkout.",
        "Where is my order? It's been a week.",
        "Can I return beans I haven't opened?",
        "Do you ship to Singapore?",
        "I was charged twice for one order.",
        "How do I change my delivery address?",
        "Is the Toraja Sapan available as whole beans?",
    ],
}
AGENT_LINES = {
    "id": [
        "Halo Kak {name}, saya cek dulu ya.",
        "Terima kasih sudah menunggu. Pesanan Kakak sudah dikirim hari ini.",
        "Bisa, Kak. Pengiriman ke sana 2-3 hari kerja.",
        "Kode promonya sudah saya aktifkan lagi, silakan dicoba.",
        "Baik, saya bantu proses penukarannya.",
    ],
    "en": [
        "Hi {name}, let me look into that for you.",
        "Thanks for waiting — your order shipped today.",
        "Yes, we do. Delivery takes 3-5 working days.",
        "I've re-enabled the code, please try again.",
        "Sorry about that! I've refunded the second charge.",
    ],
}
FOLLOW_UPS = {
    "id": ["Oke, terima kasih!", "Baik kak, ditunggu ya", "Sudah bisa, makasih banyak", "Siap"],
    "en": ["Thanks, that helps!", "Great, thank you so much.", "Perfect, it worked.", "OK!"],
}
AI_LINES = {
    "id": "Pengembalian bisa dilakukan dalam 14 hari untuk kemasan yang belum dibuka.",
    "en": "Returns are accepted within 14 days for unopened bags.",
}
EDIT_PREFIX = {"id": "Maaf, ", "en": "Sorry, "}


@dataclass
class Batch:
    visitors: list = field(default_factory=list)
    conversations: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    edits: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    def write(self) -> None:
        """Insert in dependency order; `last_message` refers to messages written after the
        conversations, which PostgreSQL's deferred foreign keys check at commit."""
        Visitor.objects.bulk_create(self.visitors, batch_size=2000)
        Conversation.objects.bulk_create(self.conversations, batch_size=2000)
        Message.objects.bulk_create(self.messages, batch_size=2000)
        MessageEdit.objects.bulk_create(self.edits, batch_size=2000)
        ConversationStatusChange.objects.bulk_create(self.changes, batch_size=2000)


def demo_agents() -> list[Agent]:
    """The demo team (created once, without a usable password: they only appear in data)."""
    group = Group.objects.get(name=AGENTS_GROUP)
    agents = []
    for username, first, last in DEMO_AGENTS:
        agent, created = Agent.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            agent.set_unusable_password()
            agent.save(update_fields=["password"])
            agent.groups.add(group)
        agents.append(agent)
    return agents


@contextlib.contextmanager
def explicit_timestamps() -> Iterator[None]:
    """`auto_now_add` would stamp every row with the time of seeding; the demo needs its
    history spread over the past, so the flag is lifted for the seeding only."""
    stamped = [
        f
        for model in (Visitor, Conversation, Message, MessageEdit)
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and f.auto_now_add
    ]
    for f in stamped:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in stamped:
            f.auto_now_add = True


class DemoHistory:
    def __init__(self, *, agents: list, days: int, now: datetime, seed: int | None, tz=None):
        self.agents = agents
        self.days = days
        self.now = now
        self.tz = tz or now.tzinfo
        self.rng = random.Random(seed)
        self.token_hash = hash_token_secret(uuid.uuid4().hex)  # nobody can sign in as these

    def _created_at(self) -> datetime:
        """Busier on weekdays and during the shop's working hours (in its time zone)."""
        rng = self.rng
        local_now = self.now.astimezone(self.tz)
        while True:
            day = rng.randrange(self.days)
            hour = min(23, max(0, int(rng.gauss(14, 3.5))))
            moment = (local_now - timedelta(days=day)).replace(
                hour=hour, minute=rng.randrange(60), second=rng.randrange(60)
            )
            weekend = moment.weekday() >= 5
            if moment < self.now - timedelta(minutes=5) and (not weekend or rng.random() < 0.5):
                return moment

    def _response_delay(self) -> timedelta:
        # Most first responses within a minute or two, a long tail of slow ones.
        return timedelta(seconds=min(6 * 3600, max(5, self.rng.lognormvariate(4.2, 1.1))))

    def moments(self, count: int) -> list[datetime]:
        """When each conversation starts, oldest first."""
        return sorted(self._created_at() for _ in range(count))

    def build(self, moments: list[datetime]) -> Batch:
        batch = Batch()
        for created in moments:
            self._conversation(batch, created)
        return batch

    def _conversation(self, batch: Batch, created: datetime) -> None:
        rng = self.rng
        lang = "id" if rng.random() < 0.6 else "en"
        name = rng.choice(NAMES[lang])
        email = None
        if rng.random() < 0.5:
            email = f"{name.split()[0].lower()}.{rng.randrange(1000)}@example.com"
        visitor = Visitor(
            id=uuid.uuid4(),
            name=name,
            email=email,
            page_url="https://shop.example/products/" + str(rng.randrange(1, 7)),
            token_hash=self.token_hash,
            created_at=created,
            last_seen_at=created,
        )
        conversation = Conversation(
            id=uuid.uuid4(), visitor=visitor, created_at=created, ai_enabled=rng.random() < 0.4
        )
        messages: list[Message] = []
        at = created

        def say(kind: str, body: str, when: datetime, agent=None) -> Message:
            message = Message(
                id=uuid.uuid4(),
                conversation=conversation,
                seq=len(messages) + 1,
                version=0,
                sender_type=kind,
                sender_agent=agent,
                sender_visitor=visitor if kind == SenderType.VISITOR else None,
                body=body,
                created_at=when,
            )
            messages.append(message)
            return message

        say(SenderType.VISITOR, rng.choice(OPENERS[lang]), at)
        agent = rng.choice(self.agents)
        answered_by_ai = conversation.ai_enabled and rng.random() < 0.35
        if answered_by_ai:
            at += timedelta(seconds=rng.uniform(1, 4))
            say(SenderType.AI, AI_LINES[lang], at)
        if not answered_by_ai or rng.random() < 0.3:
            at += self._response_delay()
            if at < self.now:
                say(SenderType.AGENT, rng.choice(AGENT_LINES[lang]).format(name=name), at, agent)
                conversation.first_response_at = at
                conversation.first_response_by = agent
                for _ in range(rng.randrange(0, 5)):
                    at += timedelta(seconds=rng.uniform(20, 400))
                    if at >= self.now:
                        break
                    say(SenderType.VISITOR, rng.choice(FOLLOW_UPS[lang]), at)
                    at += timedelta(seconds=rng.uniform(15, 300))
                    if at >= self.now:
                        break
                    say(
                        SenderType.AGENT, rng.choice(AGENT_LINES[lang]).format(name=name), at, agent
                    )
        if rng.random() < 0.5:
            conversation.assignee = agent
        self._finish(batch, conversation, messages, lang, at)
        batch.visitors.append(visitor)
        batch.conversations.append(conversation)

    def _finish(self, batch: Batch, conversation, messages: list, lang: str, at) -> None:
        rng = self.rng
        version = 0
        for message in messages:
            version += 1
            message.version = version
        # A few agent messages are edited afterwards, and one in a hundred is deleted.
        for message in messages:
            if message.sender_type != SenderType.AGENT or rng.random() > 0.08:
                continue
            version += 1
            message.version = version
            edited = message.created_at + timedelta(seconds=rng.uniform(5, 90))
            kind = EditKind.DELETE if rng.random() < 0.12 else EditKind.EDIT
            batch.edits.append(
                MessageEdit(
                    message=message,
                    kind=kind,
                    previous_body=message.body,
                    changed_by_type=SenderType.AGENT,
                    changed_by_agent=message.sender_agent,
                    changed_at=edited,
                )
            )
            if kind == EditKind.DELETE:
                message.body, message.deleted_at = "", edited
            else:
                message.body, message.edited_at = EDIT_PREFIX[lang] + message.body, edited
        age = self.now - at
        closes = age > timedelta(hours=2) and rng.random() < 0.85
        if closes:
            closed_at = at + timedelta(minutes=rng.uniform(2, 90))
            if rng.random() < 0.06:  # closed, reopened by the visitor, closed again
                self._change(batch, conversation, "open", "closed", closed_at, "agent")
                reopened = closed_at + timedelta(hours=rng.uniform(1, 20))
                if reopened < self.now - timedelta(hours=1):
                    self._change(batch, conversation, "closed", "open", reopened, "visitor")
                    version += 1
                    messages.append(
                        Message(
                            id=uuid.uuid4(),
                            conversation=conversation,
                            seq=len(messages) + 1,
                            version=version,
                            sender_type=SenderType.VISITOR,
                            sender_visitor=conversation.visitor,
                            body=rng.choice(FOLLOW_UPS[lang]),
                            created_at=reopened,
                        )
                    )
                    closed_at = reopened + timedelta(minutes=rng.uniform(5, 60))
            closed_at = min(closed_at, self.now)
            self._change(batch, conversation, "open", "closed", closed_at, "agent")
            conversation.status = ConversationStatus.CLOSED
            conversation.closed_at = closed_at
            version += 1
        elif rng.random() < 0.25:
            conversation.status = ConversationStatus.PENDING
            self._change(batch, conversation, "open", "pending", at, "agent")
            version += 1
        last = messages[-1]
        # No notes in the demo: the visitor's numbering is the agents' (see message_send).
        for message in messages:
            message.visitor_seq, message.visitor_version = message.seq, message.version
        conversation.last_seq = conversation.visitor_last_seq = len(messages)
        conversation.version = conversation.visitor_version = version
        conversation.last_message = last
        conversation.updated_at = max(last.created_at, conversation.closed_at or last.created_at)
        batch.messages.extend(messages)

    def _change(self, batch, conversation, old: str, new: str, at: datetime, by: str) -> None:
        agent = conversation.first_response_by if by == "agent" else None
        batch.changes.append(
            ConversationStatusChange(
                conversation=conversation,
                from_status=old,
                to_status=new,
                changed_by_type=by if agent or by != "agent" else "system",
                changed_by_agent=agent,
                changed_at=at,
            )
        )
