"""The conversation figures on PostgreSQL: one pass over the conversations created in the
range and one over those closed in it, every grouping at once (GROUPING SETS) and both
percentiles from one sort (`percentile_cont(ARRAY[0.5, 0.9])`). Same results as
`figures.orm_conversation_figures`, which the tests check on both databases."""

from django.db import connection, transaction

from conversations.models import Conversation, ConversationStatus
from messaging.models import Message, SenderType
from reports.figures import ConversationFigures

# The SQL names them as written below; a renamed table fails the tests, not silently.
assert Conversation._meta.db_table == "conversations_conversation"
assert Message._meta.db_table == "messaging_message"
assert SenderType.AI == "ai" and ConversationStatus.CLOSED == "closed"

# Grouped-out columns have their bit set in GROUPING(...): which set a result row belongs to.
CREATED_SETS = {15: "all", 7: "day", 11: "hour", 13: "owner", 14: "responder"}
CLOSED_SETS = {3: "all", 1: "day", 2: "owner"}

CREATED_SQL = """
SELECT GROUPING(day, hour, owner, responder), day, hour, owner, responder,
       count(*) FILTER (WHERE owned),
       count(fr) FILTER (WHERE owned),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY fr) FILTER (WHERE owned),
       count(*) FILTER (WHERE owned AND ai_only),
       count(*),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY fr)
FROM (
    SELECT (c.created_at AT TIME ZONE %(tz)s)::date AS day,
           extract(hour FROM c.created_at AT TIME ZONE %(tz)s)::int AS hour,
           COALESCE(c.assignee_id, c.first_response_by_id) AS owner,
           c.first_response_by_id AS responder,
           date_part('epoch', c.first_response_at - c.created_at) AS fr,
           (%(agent)s::integer IS NULL OR c.assignee_id = %(agent)s
                OR (c.assignee_id IS NULL AND c.first_response_by_id = %(agent)s)) AS owned,
           c.first_response_at IS NULL AND EXISTS (
               SELECT 1 FROM messaging_message m
               WHERE m.conversation_id = c.id AND m.sender_type = 'ai'
           ) AS ai_only
    FROM conversations_conversation c
    WHERE c.created_at >= %(start)s AND c.created_at < %(end)s
) s
GROUP BY GROUPING SETS ((), (day), (hour), (owner), (responder))
"""

CLOSED_SQL = """
SELECT GROUPING(day, owner), day, owner,
       count(*) FILTER (WHERE owned),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res) FILTER (WHERE owned),
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY res)
FROM (
    SELECT (c.closed_at AT TIME ZONE %(tz)s)::date AS day,
           COALESCE(c.assignee_id, c.first_response_by_id) AS owner,
           date_part('epoch', c.closed_at - c.created_at) AS res,
           (%(agent)s::integer IS NULL OR c.assignee_id = %(agent)s
                OR (c.assignee_id IS NULL AND c.first_response_by_id = %(agent)s)) AS owned
    FROM conversations_conversation c
    WHERE c.status = 'closed'
      AND c.closed_at >= %(start)s AND c.closed_at < %(end)s
) s
GROUP BY GROUPING SETS ((), (day), (owner))
"""


def _for(sql: str, agent_id: int | None) -> str:
    """For the whole team every row is owned: without the filter, the "owned" aggregates are
    the same calls as the "everyone" ones, and PostgreSQL computes each once (one sort, not
    two, per group)."""
    return sql if agent_id is not None else sql.replace(" FILTER (WHERE owned)", "")


def _pair(values) -> tuple[float | None, float | None]:
    return (values[0], values[1]) if values else (None, None)


def conversation_figures(period, agent_id: int | None) -> ConversationFigures:
    params = {"tz": period.tz.key, "start": period.start, "end": period.end, "agent": agent_id}
    figures = ConversationFigures()
    with transaction.atomic(), connection.cursor() as cursor:
        # For these two statements only: sorts of a year's conversations fit in memory (the
        # default 4 MB spills them to disk), and JIT compiling would cost more than it saves.
        cursor.execute("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off")
        cursor.execute(_for(CREATED_SQL, agent_id), params)
        for grouping, day, hour, owner, responder, n, fr_n, fr, ai, n_all, fr_all in cursor:
            kind = CREATED_SETS[grouping]
            if kind == "all":
                figures.created, figures.first_responses, figures.ai_answered = n, fr_n, ai
                figures.first_response_median, figures.first_response_p90 = _pair(fr)
            elif kind == "day" and n:
                figures.created_by_day[day] = (n, _pair(fr)[0])
            elif kind == "hour" and n:
                figures.created_by_hour[hour] = n
            elif kind == "owner" and owner is not None:
                figures.owned[owner] = n_all
            elif kind == "responder" and responder is not None:
                figures.first_response_median_by_agent[responder] = _pair(fr_all)[0]

        cursor.execute(_for(CLOSED_SQL, agent_id), params)
        for grouping, day, owner, n, res, res_all in cursor:
            kind = CLOSED_SETS[grouping]
            if kind == "all":
                figures.closed = n
                figures.resolution_median, figures.resolution_p90 = _pair(res)
            elif kind == "day" and n:
                figures.closed_by_day[day] = n
            elif kind == "owner" and owner is not None:
                figures.resolution_median_by_owner[owner] = _pair(res_all)[0]
    return figures
