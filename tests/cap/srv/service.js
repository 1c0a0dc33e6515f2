// C4C assigns ObjectIDs on the server (32 hex digits); CAP does so only for UUID keys, which OData V2 would
// describe as Edm.Guid. So the ids are made here, for the activities and their parties.
const cds = require('@sap/cds')

const id = () => cds.utils.uuid().replace(/-/g, '').toUpperCase()

module.exports = cds.service.impl(function () {
  for (const [set, parties] of [['AppointmentCollection', 'AppointmentInvolvedParties'], ['VisitCollection', 'VisitParty']]) {
    this.before(['CREATE', 'UPDATE'], set, (req) => {
      if (req.event === 'CREATE' && !req.data.ObjectID) req.data.ObjectID = id()
      for (const p of req.data[parties] ?? []) {
        if (!p.ObjectID) p.ObjectID = id()
      }
    })
  }
})
