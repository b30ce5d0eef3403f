-- A checkpoint stores the results its completion added, not every result so
-- far (a 1,000-step workflow wrote half a million results in its
-- checkpoints). Reads merge them back in sequence order. Rows written before
-- keep their full context_snapshot results (results_added NULL); merging
-- those is merging a superset, so old and new rows read the same.
ALTER TABLE checkpoints ADD COLUMN results_added jsonb;

CREATE OR REPLACE AGGREGATE agentstudio_merge_objects(jsonb) (
  SFUNC = jsonb_concat,
  STYPE = jsonb,
  INITCOND = '{}'
);
