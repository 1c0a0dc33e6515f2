namespace RulesSync.Engine.Tests.Rules;

/// <summary>
/// A frozen copy of an early rules/default.yaml: tests that assert particular rules, lines or explanations use it,
/// so the shipped rule sets (whose content another engineer owns) can change without breaking them. Tests of the
/// shipped files themselves assert only what every shipped file must satisfy.
/// </summary>
internal static class SampleRuleSet
{
    public const string Source = "sample.yaml";

    public const string Yaml = """
        # yaml-language-server: $schema=../rules.schema.json
        name: default
        description: >
          The safe default policy. Only the organizer (or a cancellation in the CRM) can cancel a
          meeting, and only a future one; an attendee removing or declining their copy never deletes
          or cancels the meeting; auto-share shares new meetings once; past meetings are not touched.
        hitPolicy: first
        rules:
          - name: past-meetings-untouched
            because: Past meetings are history; RulesSync never changes them.
            when: { timing: past }
            decide: ignore

          - name: outside-window-untouched
            because: Meetings outside the tenant's sync window are out of scope.
            when: { inSyncWindow: false }
            decide: ignore

          - name: organizer-cancel-reaches-crm
            because: The organizer cancelled the meeting in their calendar; the CRM record follows.
            when: { source: mailbox, role: organizer, kind: [cancelled, deleted], link: this }
            decide: cancel
            target: crm

          - name: crm-cancel-cancels-meeting
            because: A CRM user cancelled the appointment; the organizer's meeting is cancelled and attendees are told.
            when: { source: crm, kind: cancelled, role: organizer, link: this }
            decide: cancel
            target: mailbox

          - name: crm-cancel-left-to-organizer
            because: Only the organizer's sync carries a CRM cancellation to the calendar.
            when: { source: crm, kind: cancelled }
            decide: ignore

          - name: crm-removal-unlinks
            because: A record removed from the CRM leaves calendars alone; only the correlation is forgotten.
            when: { source: crm, kind: [deleted, missing] }
            decide: unlink

          - name: attendee-removal-stays-personal
            because: An attendee deleting, declining or losing their copy affects only their own calendar.
            when: { source: mailbox, role: [attendee, none], kind: [deleted, declined, cancelled, missing] }
            decide: ignore

          - name: foreign-replica-missing-ignored
            because: The CRM record belongs to another participant's replica; its absence here means nothing.
            when: { source: mailbox, kind: missing, link: [other, unlinked] }
            decide: ignore

          - name: own-replica-missing-unlinks
            because: This employee's linked replica vanished from a full listing; forget the link, delete nothing.
            when: { source: mailbox, kind: missing }
            decide: unlink

          - name: organizer-changes-shared
            because: The organizer's calendar is the source of truth for time, subject and attendees.
            when: { source: mailbox, role: organizer, kind: [updated, declined], link: [this, other] }
            decide: share

          - name: organizer-adopts-shared-record
            because: An attendee's auto-share created the record first; the organizer's event takes it over.
            when: { source: mailbox, role: organizer, kind: created, link: other }
            decide: share

          - name: crm-changes-reach-organizer
            because: Appointments created or changed in the CRM go to the organizer's calendar, which invites the attendees.
            when: { source: crm, kind: [created, updated], role: organizer }
            decide: share

          - name: auto-share-organizer-meetings
            because: With auto-share on, a new meeting is shared once, from the organizer's calendar.
            when: { source: mailbox, kind: created, link: unlinked, role: organizer, autoShare: true }
            decide: share

          - name: auto-share-attendee-copies
            because: On API v2 an attendee's copy can be correlated by UID, so an attendee may share first.
            when: { source: mailbox, kind: created, link: unlinked, role: attendee, autoShare: true, apiVersion: v2, employeeAttendees: true }
            decide: share

          - name: everything-else-ignored
            because: Nothing above applies; doing nothing is always safe.
            when: {}
            decide: ignore

        tests:
          - name: past-cancellation-ignored
            given: { timing: past, source: crm, kind: cancelled, link: this }
            expect: { decide: ignore, rule: past-meetings-untouched }
          - name: attendee-delete-is-ignored
            given: { role: attendee, kind: deleted, link: this }
            expect: { decide: ignore, rule: attendee-removal-stays-personal }
          - name: crm-cancel-by-organizer-sync
            given: { source: crm, kind: cancelled, role: organizer, link: this, ownsRecord: true }
            expect: { decide: cancel, target: mailbox, rule: crm-cancel-cancels-meeting }
        """;
}
