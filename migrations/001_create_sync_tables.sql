-- Page visits and tab aggregates as the sync contract defines them.
-- CHECK constraints mirror the domain rules so that no path around the service can store
-- what the API would refuse.

CREATE TABLE page_visits (
  id                    uuid PRIMARY KEY,
  user_id               text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
  url                   text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 8192 AND url ~ '^[A-Za-z][A-Za-z0-9+.-]*:'),
  title                 text NOT NULL CHECK (char_length(title) <= 4096),
  visited_at            timestamptz NOT NULL,
  source_page_visit_id  uuid,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  CHECK (updated_at >= created_at),
  -- Target of tab_aggregates' composite foreign key: an aggregate can only reference a
  -- visit of its own user.
  UNIQUE (id, user_id)
);

CREATE INDEX page_visits_user_visited_at_idx ON page_visits (user_id, visited_at);
CREATE INDEX page_visits_source_page_visit_id_idx ON page_visits (source_page_visit_id);

CREATE TABLE tab_aggregates (
  id                    uuid PRIMARY KEY,
  user_id               text NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 255),
  page_visit_id         uuid NOT NULL,
  total_time_seconds    integer NOT NULL CHECK (total_time_seconds >= 0),
  active_time_seconds   integer NOT NULL CHECK (active_time_seconds >= 0),
  scroll_depth_percent  integer CHECK (scroll_depth_percent BETWEEN 0 AND 100),
  closed_at             timestamptz NOT NULL,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  CHECK (active_time_seconds <= total_time_seconds),
  CHECK (updated_at >= created_at),
  FOREIGN KEY (page_visit_id, user_id) REFERENCES page_visits (id, user_id)
);

CREATE INDEX tab_aggregates_page_visit_id_idx ON tab_aggregates (page_visit_id);
CREATE INDEX tab_aggregates_user_closed_at_idx ON tab_aggregates (user_id, closed_at);
