-- sessionlab PostgreSQL session store, schema version 1.
-- `sessionlab store migrate --store-url postgres://...` applies this file in one transaction; teams
-- that run their own migrations can apply it as it is (it records its version itself).
-- A session is one row: its fields as a jsonb object of strings, the idle deadline and the absolute
-- deadline (from the engine's `m:x` field, epoch ms, 0 or absent: none) as columns.

CREATE TABLE IF NOT EXISTS sl_schema_version (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sl_sessions (
  id text PRIMARY KEY,
  fields jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  absolute_at timestamptz GENERATED ALWAYS AS (
    CASE WHEN fields->>'m:x' ~ '^[1-9][0-9]{0,15}$'
      THEN to_timestamp((fields->>'m:x')::bigint / 1000.0) END
  ) STORED
);
-- The sweeper finds expired rows through these.
CREATE INDEX sl_sessions_expires_at ON sl_sessions (expires_at);
CREATE INDEX sl_sessions_absolute_at ON sl_sessions (absolute_at) WHERE absolute_at IS NOT NULL;

-- The user index (for logout everywhere): one row per user, one per (user, session id).
CREATE TABLE sl_users (
  user_key text PRIMARY KEY,
  -- NULL: the sessions have no absolute lifetime, so neither has the index.
  expires_at timestamptz
);
CREATE TABLE sl_user_sessions (
  user_key text NOT NULL REFERENCES sl_users ON DELETE CASCADE,
  session_id text NOT NULL,
  PRIMARY KEY (user_key, session_id)
);

-- UTF-8 bytes of the `d:` field names (without the prefix) and values: what maxBytes limits.
CREATE FUNCTION sl_data_bytes(f jsonb) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(sum(octet_length(key) - 2 + octet_length(value)), 0)
  FROM jsonb_each_text(f) WHERE left(key, 2) = 'd:'
$$;

-- Applies a batch of requests ([{"ops": [...], "ttl_ms", "max_bytes"}], each op {"op": "set" |
-- "del" | "incr" | "clear", "field", "value", "by"}) in order to a LIVE row only (no
-- resurrection), each on top of the one before and all or nothing, then writes the row once.
-- One result row per request (n: its position from 1): ('ok', NULL, counters) | ('gone', NULL, NULL) |
-- ('too-large', bytes, NULL) | ('not-integer', field, NULL); a refused request changes nothing.
CREATE FUNCTION sl_commit(p_id text, p_requests jsonb)
RETURNS TABLE (n integer, status text, detail text, counters numeric[]) LANGUAGE plpgsql AS $$
DECLARE
  i integer := 0;
  stored jsonb;
  f jsonb;
  request jsonb;
  op jsonb;
  current_value text;
  next_value numeric;
  bytes bigint;
  ttl_ms bigint;
  request_counters numeric[];
  refusal text[];
BEGIN
  SELECT s.fields INTO stored FROM sl_sessions s
  WHERE s.id = p_id AND s.expires_at > now() AND (s.absolute_at IS NULL OR s.absolute_at > now())
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT r.n::integer, 'gone'::text, NULL::text, NULL::numeric[]
      FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS r(value, n);
    RETURN;
  END IF;
  FOR request IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    i := i + 1;
    f := stored;
    request_counters := '{}';
    refusal := NULL;
    FOR op IN SELECT value FROM jsonb_array_elements(request->'ops') LOOP
      CASE op->>'op'
        WHEN 'set' THEN f := f || jsonb_build_object(op->>'field', op->>'value');
        WHEN 'del' THEN f := f - (op->>'field');
        WHEN 'clear' THEN
          f := (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
                FROM jsonb_each(f) WHERE left(key, 2) <> 'd:');
        WHEN 'incr' THEN
          current_value := coalesce(f->>(op->>'field'), '0');
          IF length(current_value) > 15 OR current_value !~ '^-?[0-9]+$' THEN
            refusal := ARRAY['not-integer', op->>'field'];
            EXIT;
          END IF;
          next_value := current_value::numeric + (op->>'by')::numeric;
          f := f || jsonb_build_object(op->>'field', next_value::text);
          request_counters := request_counters || next_value;
        ELSE RAISE EXCEPTION 'sl_commit: unknown op %', op->>'op';
      END CASE;
    END LOOP;
    IF refusal IS NULL THEN
      bytes := sl_data_bytes(f);
      IF (request->>'max_bytes')::bigint > 0 AND bytes > (request->>'max_bytes')::bigint THEN
        refusal := ARRAY['too-large', bytes::text];
      END IF;
    END IF;
    IF refusal IS NULL THEN
      stored := f;
      ttl_ms := (request->>'ttl_ms')::bigint;
      RETURN QUERY SELECT i, 'ok'::text, NULL::text, request_counters;
    ELSE
      RETURN QUERY SELECT i, refusal[1], refusal[2], NULL::numeric[];
    END IF;
  END LOOP;
  IF ttl_ms IS NOT NULL THEN
    UPDATE sl_sessions SET fields = stored, expires_at = now() + ttl_ms * interval '1 millisecond'
    WHERE id = p_id;
  END IF;
END
$$;

-- Records a session id for a user and prunes ids whose sessions are gone. The index lives at
-- least p_ttl_ms more (0: forever); nothing shortens it.
CREATE FUNCTION sl_index_user(p_user text, p_id text, p_ttl_ms bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  until timestamptz := CASE WHEN p_ttl_ms > 0 THEN now() + p_ttl_ms * interval '1 millisecond' END;
BEGIN
  -- An index past its deadline is gone: start a fresh one.
  DELETE FROM sl_users WHERE user_key = p_user AND expires_at <= now();
  INSERT INTO sl_users AS u (user_key, expires_at) VALUES (p_user, until)
  ON CONFLICT (user_key) DO UPDATE
  SET expires_at = CASE WHEN u.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
                        ELSE greatest(u.expires_at, excluded.expires_at) END;
  INSERT INTO sl_user_sessions (user_key, session_id) VALUES (p_user, p_id) ON CONFLICT DO NOTHING;
  DELETE FROM sl_user_sessions us
  WHERE us.user_key = p_user AND us.session_id <> p_id AND NOT EXISTS (
    SELECT 1 FROM sl_sessions s WHERE s.id = us.session_id AND s.expires_at > now()
      AND (s.absolute_at IS NULL OR s.absolute_at > now()));
END
$$;

-- Removes ids from a user's index (all of it when p_ids is NULL); an emptied index is gone.
CREATE FUNCTION sl_unindex_user(p_user text, p_ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_ids IS NOT NULL THEN
    DELETE FROM sl_user_sessions WHERE user_key = p_user AND session_id = ANY (p_ids);
  END IF;
  DELETE FROM sl_users u WHERE u.user_key = p_user AND (p_ids IS NULL OR NOT EXISTS (
    SELECT 1 FROM sl_user_sessions us WHERE us.user_key = p_user));
END
$$;

INSERT INTO sl_schema_version (version) VALUES (1);
