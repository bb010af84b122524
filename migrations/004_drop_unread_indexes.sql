-- Drops two indexes that no query reads: page_visits (source_page_visit_id) and
-- tab_aggregates (user_id, closed_at).
--
-- Why: every inserted row pays for every index on its table, and with random UUIDs as keys
-- each index insert touches a random page; once the tables outgrow shared_buffers, each
-- index the working set carries costs PostgreSQL page reads on every batch
-- (docs/performance.md, "grown tables"). The indexes the service needs stay: both primary
-- keys (every lookup), page_visits (id, user_id) (target of the aggregates' foreign key),
-- and tab_aggregates (page_visit_id) (what a delete of a page visit checks). A query that
-- reads by source visit or by user and time should come with its own index.
DROP INDEX page_visits_source_page_visit_id_idx;
DROP INDEX tab_aggregates_user_closed_at_idx;
