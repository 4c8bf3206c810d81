// @generated automatically by Diesel CLI.

diesel::table! {
    complaints (id) {
        id -> Uuid,
        evaluation_id -> Uuid,
        episode_id -> Uuid,
        center_id -> Uuid,
        complainant_person_id -> Uuid,
        text -> Text,
        status -> Int2,
        assignee_subject -> Text,
        deadline -> Date,
        center_response -> Text,
        resolution -> Text,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        close_time -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Uuid,
        episode_id -> Uuid,
        center_id -> Uuid,
        recipient_person_id -> Uuid,
        submitted_by_person_id -> Uuid,
        legal_representative -> Bool,
        submitted_on -> Date,
        scores -> Array<Nullable<Int2>>,
        days_waited -> Nullable<Int4>,
        would_recommend -> Nullable<Int2>,
        comment -> Text,
        language -> Int2,
        precheck_flags -> Array<Nullable<Int2>>,
        status -> Int2,
        moderation_action -> Nullable<Int2>,
        moderation_issue -> Nullable<Int2>,
        moderation_note -> Nullable<Text>,
        moderator_subject -> Nullable<Text>,
        moderate_time -> Nullable<Timestamptz>,
        reply_text -> Nullable<Text>,
        reply_author -> Nullable<Text>,
        reply_time -> Nullable<Timestamptz>,
        submit_time -> Timestamptz,
        update_time -> Timestamptz,
        publish_time -> Nullable<Timestamptz>,
        version -> Int4,
    }
}

diesel::table! {
    eligibility_episodes (episode_id) {
        episode_id -> Uuid,
        person_id -> Uuid,
        center_id -> Uuid,
        state -> Int2,
        admitted_on -> Nullable<Date>,
        version -> Int4,
    }
}

diesel::table! {
    eligibility_persons (person_id) {
        person_id -> Uuid,
        version -> Int4,
    }
}

diesel::table! {
    eligibility_representatives (person_id, representative_id) {
        person_id -> Uuid,
        representative_id -> Uuid,
    }
}

diesel::table! {
    evaluation_reports (id) {
        id -> Uuid,
        evaluation_id -> Uuid,
        reporter_subject -> Text,
        reporter_role -> Int2,
        reporter_center_id -> Nullable<Uuid>,
        issue -> Int2,
        note -> Text,
        create_time -> Timestamptz,
        decision -> Int2,
        decide_time -> Nullable<Timestamptz>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    feedback_totals (center_id, month, item) {
        center_id -> Uuid,
        month -> Date,
        item -> Int2,
        n -> Int8,
        total -> Float8,
        score_1 -> Int8,
        score_2 -> Int8,
        score_3 -> Int8,
        score_4 -> Int8,
        score_5 -> Int8,
    }
}

diesel::joinable!(complaints -> evaluations (evaluation_id));
diesel::joinable!(eligibility_representatives -> eligibility_persons (person_id));
diesel::joinable!(evaluation_reports -> evaluations (evaluation_id));

diesel::allow_tables_to_appear_in_same_query!(
    complaints,
    eligibility_episodes,
    eligibility_persons,
    eligibility_representatives,
    evaluation_reports,
    evaluations,
    feedback_totals,
);
