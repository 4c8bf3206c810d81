// @generated automatically by Diesel CLI.

diesel::table! {
    assessments (id) {
        id -> Uuid,
        person_id -> Uuid,
        decision_number -> Text,
        disability_group -> Int2,
        cause -> Int2,
        nosology_class -> Int2,
        established_on -> Date,
        re_examination_due -> Nullable<Date>,
        indefinite -> Bool,
        work_capacity_loss_percent -> Nullable<Int2>,
        ipr_number -> Text,
        ipr_valid_from -> Nullable<Date>,
        ipr_valid_until -> Nullable<Date>,
        ipr_service_forms -> Array<Int2>,
        is_current -> Bool,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        event_time -> Timestamptz,
        actor_subject -> Text,
        actor_role -> Int2,
        action -> Text,
        person_id -> Nullable<Uuid>,
        center_id -> Nullable<Uuid>,
        purpose -> Text,
        allowed -> Bool,
        status_code -> Int4,
        trace_id -> Text,
    }
}

diesel::table! {
    centers (id) {
        id -> Uuid,
        #[max_length = 12]
        bin -> Nullable<Text>,
        name_kk -> Text,
        name_ru -> Text,
        sector -> Int2,
        kind -> Int2,
        level -> Int2,
        ownership -> Int2,
        region_code -> Text,
        district -> Text,
        address -> Text,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        emails -> Array<Text>,
        phones -> Array<Text>,
        website -> Text,
        service_forms -> Array<Int2>,
        beds -> Nullable<Int4>,
        places -> Nullable<Int4>,
        admissions_per_month -> Nullable<Int4>,
        min_age_years -> Int4,
        max_age_years -> Nullable<Int4>,
        groups_served -> Array<Int2>,
        details -> Jsonb,
        serves_children -> Bool,
        serves_adults -> Bool,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    education (person_id) {
        person_id -> Uuid,
        status -> Int2,
        has_tutor -> Bool,
        home_schooling_quality_note -> Text,
        as_of -> Date,
        update_time -> Timestamptz,
    }
}

diesel::table! {
    episode_events (id) {
        id -> Uuid,
        episode_id -> Uuid,
        kind -> Int2,
        event_date -> Date,
        order_number -> Text,
        reason -> Text,
        discharge_outcome -> Int2,
        transfer_center_id -> Nullable<Uuid>,
        arrival_due_date -> Nullable<Date>,
        recorded_by -> Text,
        create_time -> Timestamptz,
    }
}

diesel::table! {
    episodes (id) {
        id -> Uuid,
        person_id -> Uuid,
        center_id -> Uuid,
        service_form -> Int2,
        referral_date -> Date,
        referral_number -> Text,
        assessment_id -> Nullable<Uuid>,
        renews_episode_id -> Nullable<Uuid>,
        queue_receipt -> Int8,
        out_of_turn -> Bool,
        out_of_turn_reason -> Int2,
        out_of_turn_note -> Text,
        state -> Int2,
        arrival_due_date -> Nullable<Date>,
        postponed -> Bool,
        admitted_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        discharge_outcome -> Int2,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        version -> Int4,
        referred_by_center -> Bool,
    }
}

diesel::table! {
    household_members (household_id, position) {
        household_id -> Uuid,
        position -> Int4,
        person_id -> Nullable<Uuid>,
        full_name -> Text,
        birth_date -> Nullable<Date>,
        relation -> Int2,
        has_disability -> Bool,
    }
}

diesel::table! {
    households (id) {
        id -> Uuid,
        special_needs_children_count -> Int4,
        housing_status -> Int2,
        benefits -> Array<Int2>,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    legal_representatives (person_id, representative_id) {
        person_id -> Uuid,
        representative_id -> Uuid,
    }
}

diesel::table! {
    one_time_aid (household_id, position) {
        household_id -> Uuid,
        position -> Int4,
        paid_on -> Date,
        amount_minor -> Int8,
        purpose -> Text,
    }
}

diesel::table! {
    persons (id) {
        id -> Uuid,
        #[max_length = 12]
        iin -> Text,
        surname -> Text,
        given_name -> Text,
        patronymic -> Text,
        birth_date -> Date,
        sex -> Int2,
        region_code -> Text,
        district -> Text,
        address -> Text,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
        phone -> Text,
        preferred_language -> Int2,
        wheelchair_user -> Bool,
        needs_escort -> Bool,
        visual_impairment -> Bool,
        hearing_impairment -> Bool,
        sign_language -> Bool,
        intellectual_disability -> Bool,
        legally_incapacitated -> Bool,
        household_id -> Nullable<Uuid>,
        current_group -> Int2,
        current_cause -> Int2,
        current_nosology -> Int2,
        registered_on -> Date,
        create_time -> Timestamptz,
        update_time -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        name_kk -> Text,
        name_ru -> Text,
        name_en -> Text,
        kind -> Text,
        children_2022 -> Nullable<Int4>,
        disabled_children_2022 -> Nullable<Int4>,
        cp_children_2022 -> Nullable<Int4>,
        rehab_beds_2022 -> Nullable<Int4>,
        children_treated_2022 -> Nullable<Int4>,
    }
}

diesel::joinable!(assessments -> persons (person_id));
diesel::joinable!(centers -> regions (region_code));
diesel::joinable!(education -> persons (person_id));
diesel::joinable!(episode_events -> episodes (episode_id));
diesel::joinable!(episodes -> assessments (assessment_id));
diesel::joinable!(episodes -> centers (center_id));
diesel::joinable!(episodes -> persons (person_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(one_time_aid -> households (household_id));
diesel::joinable!(persons -> households (household_id));
diesel::joinable!(persons -> regions (region_code));

diesel::allow_tables_to_appear_in_same_query!(
    assessments,
    audit_events,
    centers,
    education,
    episode_events,
    episodes,
    household_members,
    households,
    legal_representatives,
    one_time_aid,
    persons,
    regions,
);
