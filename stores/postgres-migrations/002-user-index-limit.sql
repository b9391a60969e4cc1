-- The user index records when each session was indexed (its login), so a login beyond the
-- per-user limit can end the oldest sessions. Rows indexed before this migration count as
-- indexed now.
ALTER TABLE sl_user_sessions ADD COLUMN indexed_at timestamptz NOT NULL DEFAULT now();

DROP FUNCTION sl_index_user(text, text, bigint);

-- Records p_id in p_user's index (the index then lives at least p_ttl_ms more; 0: forever).
-- p_max 0: no limit, and ids of gone sessions are pruned. p_max > 0: nothing more while the
-- index holds at most p_max ids; beyond that, ids of gone sessions are pruned and the ids of the
-- oldest live sessions over p_max (never p_id) are returned, still indexed, for the caller to end.
-- Either way the rows read are bounded by p_max once the index is within its bound.
CREATE FUNCTION sl_index_user(p_user text, p_id text, p_ttl_ms bigint, p_max integer)
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  until timestamptz := CASE WHEN p_ttl_ms > 0 THEN now() + p_ttl_ms * interval '1 millisecond' END;
  held bigint;
BEGIN
  -- An index past its deadline is gone: start a fresh one.
  DELETE FROM sl_users WHERE user_key = p_user AND expires_at <= now();
  INSERT INTO sl_users AS u (user_key, expires_at) VALUES (p_user, until)
  ON CONFLICT (user_key) DO UPDATE
  SET expires_at = CASE WHEN u.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
                        ELSE greatest(u.expires_at, excluded.expires_at) END;
  INSERT INTO sl_user_sessions (user_key, session_id) VALUES (p_user, p_id)
  ON CONFLICT (user_key, session_id) DO UPDATE SET indexed_at = now();
  IF p_max > 0 THEN
    SELECT count(*) INTO held FROM (
      SELECT 1 FROM sl_user_sessions WHERE user_key = p_user LIMIT p_max + 1) AS first_rows;
    IF held <= p_max THEN RETURN; END IF;
  END IF;
  DELETE FROM sl_user_sessions us
  WHERE us.user_key = p_user AND us.session_id <> p_id AND NOT EXISTS (
    SELECT 1 FROM sl_sessions s WHERE s.id = us.session_id AND s.expires_at > now()
      AND (s.absolute_at IS NULL OR s.absolute_at > now()));
  IF p_max <= 0 THEN RETURN; END IF;
  SELECT count(*) INTO held FROM sl_user_sessions WHERE user_key = p_user;
  RETURN QUERY SELECT us.session_id FROM sl_user_sessions us
    WHERE us.user_key = p_user AND us.session_id <> p_id
    ORDER BY us.indexed_at, us.session_id
    LIMIT greatest(0, held - p_max);
END
$$;

INSERT INTO sl_schema_version (version) VALUES (2);
