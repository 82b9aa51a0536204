-- Small groups are withheld from dashboards (docs/analyst.md, "Privacy"). Every aggregate view
-- a dashboard reads marks each cell (a group of students and its measures) suppressed when the
-- caller holds no student-level profile (analyst or above) and the cell is one of the cells
-- _withheld() picks in its partition -- the cells that add up to one published total. Their
-- measures read NULL and `suppressed` true.

-- The setting student_etl.min_group_size (superuser-only, default 5), read from the library:
-- calling this loads it, so a placeholder a viewer set before cannot stand in for it.
CREATE FUNCTION student_etl._min_group_size()
RETURNS integer
AS 'MODULE_PATHNAME', 'student_etl_min_group_size'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION student_etl._min_group_size() IS
    'Internal: the setting student_etl.min_group_size, from the loaded library.';

-- Given the student counts of every cell of one partition (cells adding up to one total),
-- how many cells, smallest first, the caller must not see: 0 for an analyst (or higher), or
-- when no cell is under min_group_size; otherwise the fewest smallest cells that include
-- every small one, at least two of them (one withheld cell alone would be the total minus the
-- published ones) and together at least min_group_size students (so what subtraction from the
-- total reveals is a group that large) -- or every cell, which withholds the total's whole
-- split. Empty (NULL or 0) cells are no group and are ignored. Views rank their cells by
-- (count, key) and withhold those ranked up to this number.
CREATE FUNCTION student_etl._withheld(counts bigint[])
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k constant integer := student_etl._min_group_size();
    sorted bigint[];
    cells integer;
    small integer := 0;
    students bigint := 0;
BEGIN
    SELECT pg_catalog.array_agg(c.n ORDER BY c.n) INTO sorted FROM pg_catalog.unnest(counts) AS c(n) WHERE c.n > 0;
    cells := coalesce(pg_catalog.cardinality(sorted), 0);
    WHILE small < cells AND sorted[small + 1] < k LOOP
        small := small + 1;
    END LOOP;
    IF small = 0 OR student_etl._has_profile(current_user::pg_catalog.regrole, 'analyst') THEN
        RETURN 0;
    END IF;
    FOR i IN 1 .. cells LOOP
        students := students + sorted[i];
        IF i >= greatest(small, 2) AND students >= k THEN
            RETURN i;
        END IF;
    END LOOP;
    RETURN cells;
END
$$;
COMMENT ON FUNCTION student_etl._withheld(bigint[]) IS
    'Internal: how many of a partition''s cells (student counts), smallest first, the caller may not see: every cell under student_etl.min_group_size plus complementary cells (at least two, together at least min_group_size students); 0 for analysts and above.';
