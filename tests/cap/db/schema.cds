namespace c4c;

// Shaped like C4C's c4codataapi AppointmentCollection / VisitCollection with their involved parties
// (field names and types from the c4codataapi metadata; see docs/connectors.md).
aspect Activity {
  key ObjectID          : String(70);
      ID                : String(35);
      Subject           : String(765);
      OrganizerPartyID  : String(60);
      OrganizerEmailURI : String(254);
      OwnerPartyID      : String(60);
      GroupwareItemID   : String(765);
      ICalUID           : String(255);
      @cds.on.insert: $now
      @cds.on.update: $now
      @odata.etag
      LastChangeDateTime : Timestamp;
}

entity AppointmentCollection : Activity {
  LifeCycleStatusCode   : String(2) default '1';
  StartDate             : Timestamp;
  StartDatetimeZoneCode : String(10);
  EndDate               : Timestamp;
  EnddatetimeZoneCode   : String(10);
  AppointmentInvolvedParties : Composition of many AppointmentInvolvedPartiesCollection on AppointmentInvolvedParties.ParentObjectID = ObjectID;
}

entity AppointmentInvolvedPartiesCollection {
  key ObjectID       : String(70);
      ParentObjectID : String(70);
      PartyID        : String(60);
      RoleCode       : String(10);
      PartyEmailURI  : String(254);
      PartyName      : String(255);
}

entity VisitCollection : Activity {
  Status            : String(2) default '1';
  StartDateTime     : Timestamp;
  StartTimeZoneCode : String(10);
  EndDateTime       : Timestamp;
  EndTimeZoneCode   : String(10);
  VisitParty        : Composition of many VisitPartyCollection on VisitParty.ParentObjectID = ObjectID;
}

entity VisitPartyCollection {
  key ObjectID       : String(70);
      ParentObjectID : String(70);
      PartyID        : String(60);
      RoleCode       : String(10);
      Email          : String(254);
      PartyName      : String(255);
}
