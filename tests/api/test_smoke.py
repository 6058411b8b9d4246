def test_visitor_first_message_then_agent_reads_history(as_alice, conversation):
    r = as_alice.get(f"/api/v1/conversations/{conversation.pk}/messages/")
    assert r.status_code == 200, r.content
    assert [m["body"] for m in r.json()["results"]] == ["Hello, is anyone there?"]
