using c4c from '../db/schema';

@path: 'c4codataapi'
service c4codataapi {
  entity AppointmentCollection as projection on c4c.AppointmentCollection;
  entity AppointmentInvolvedPartiesCollection as projection on c4c.AppointmentInvolvedPartiesCollection;
  entity VisitCollection as projection on c4c.VisitCollection;
  entity VisitPartyCollection as projection on c4c.VisitPartyCollection;
}
