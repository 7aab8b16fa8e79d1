-- Exam practice progress (issue 8): each learner's FSRS state per card or
-- question, the history of reviews, and practice-exam results. Keyed by the
-- vault's staff id and the training crate's stable card/question ids. Nothing
-- here names a client, so nothing here is encrypted.

CREATE TABLE training_cards (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    card_id TEXT NOT NULL,
    due BIGINT NOT NULL,
    stability DOUBLE PRECISION NOT NULL,
    difficulty DOUBLE PRECISION NOT NULL,
    elapsed_days BIGINT NOT NULL,
    scheduled_days BIGINT NOT NULL,
    reps BIGINT NOT NULL,
    lapses BIGINT NOT NULL,
    state BIGINT NOT NULL CHECK (state IN (0, 1, 2, 3)),
    last_review BIGINT NOT NULL,
    PRIMARY KEY (staff_id, card_id)
);
CREATE INDEX training_cards_due ON training_cards (staff_id, due);

CREATE TABLE training_reviews (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    card_id TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('again', 'hard', 'good', 'easy')),
    reviewed_at BIGINT NOT NULL,
    elapsed_days BIGINT NOT NULL,
    scheduled_days BIGINT NOT NULL,
    state BIGINT NOT NULL
);
CREATE INDEX training_reviews_staff ON training_reviews (staff_id, reviewed_at);

CREATE TABLE training_exams (
    id TEXT PRIMARY KEY,
    staff_id TEXT NOT NULL REFERENCES staff (id),
    taken_at BIGINT NOT NULL,
    asked BIGINT NOT NULL,
    correct BIGINT NOT NULL,
    -- JSON: [{"topic": …, "correct": n, "asked": n}, …] and ["question id", …]
    by_topic TEXT NOT NULL,
    missed TEXT NOT NULL
);
CREATE INDEX training_exams_staff ON training_exams (staff_id, taken_at);
