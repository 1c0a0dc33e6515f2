// The CAP server of the CRM conformance lane: the C4C-shaped service (srv/) over OData V2 through
// @cap-js-community/odata-v2-adapter at /sap/c4c/odata/v1/c4codataapi/, an in-memory SQLite database, bound to
// 127.0.0.1 on the port given (0: a free one). Prints "listening <port>" once it accepts requests.
const cds = require('@sap/cds')
const express = require('express')
const http = require('node:http')

;(async () => {
  await cds.plugins
  const app = express()
  app.listen = (port) => http.createServer(app).listen(port, '127.0.0.1')
  const server = await cds.server({ app, port: Number(process.argv[2] ?? 0), in_memory: true })
  // The V2 adapter binds its routes and picks its proxy target on 'listening' (emitted by 'cds serve', not by
  // cds.server): the target is this loopback address, not "localhost" (which may resolve to ::1).
  const ready = () => {
    const port = server.address().port
    cds.server.url = `http://127.0.0.1:${port}`
    cds.emit('listening', { server, url: cds.server.url })
    console.log('listening ' + port)
  }
  if (server.listening) ready()
  else server.once('listening', ready)
})()
