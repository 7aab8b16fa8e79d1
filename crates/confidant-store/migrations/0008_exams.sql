-- Exams drawn and held by the server (issue 15): which questions, in which
-- order, for whom, when and under which rules (`rules_version`); the
-- learner's answers; and, once submitted, the score computed from this row.
-- A submitted row is the workforce training record that 45 CFR
-- 164.530(b)(2) asks to be documented: the day, the score by topic, pass or
-- fail at the threshold then in force, the rules it was generated from.
-- The keys are kept here and never sent before submission. Nothing here
-- names a client, so nothing here is encrypted. Once submitted a row no
-- longer changes (the code updates only `WHERE submitted_at IS NULL`; a
-- trigger refuses anything else, and deletion, on both databases).

CREATE TABLE training_exam_draws (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    drawn_at BIGINT NOT NULL,
    rules_version TEXT NOT NULL,
    asked BIGINT NOT NULL,
    -- JSON: [{"id": question id, "topic": wire name, "key": n, "options": n}, …] in exam order
    questions TEXT NOT NULL,
    -- JSON: [n or null, …] parallel to questions
    answers TEXT NOT NULL,
    submitted_at BIGINT,
    correct BIGINT,
    -- JSON: [{"topic": …, "correct": n, "asked": n}, …]
    by_topic TEXT,
    pass_percent BIGINT,
    passed BIGINT CHECK (passed IN (0, 1))
);
CREATE INDEX training_exam_draws_staff ON training_exam_draws (staff_id, submitted_at);
