package main

import (
	"github.com/stackpit/stackpit/config"
	"github.com/stackpit/stackpit/datasource/bmc"
)

// BMC is the cloud's BMC client (power state, fencing), built once per
// session from its bmc block. Redfish goes through e.HTTP, so the read-only
// guard applies; in a read-only session the client itself refuses every
// ipmitool command but the power-status read.
func (e *Env) BMC() (*bmc.Client, error) {
	v, err := e.Shared("bmc", func() (any, error) {
		b := e.Cloud.BMC
		if b == nil {
			return nil, errNotConfigured("bmc", e.CloudName)
		}
		hc, err := e.HTTP(&config.Endpoint{CAFile: b.CAFile, Insecure: b.Insecure}, false)
		if err != nil {
			return nil, err
		}
		return bmc.New(bmc.Options{Protocol: b.Protocol, AddressTemplate: b.AddressTemplate, Hosts: b.Hosts,
			Username: b.Username, Password: b.Password, ReadOnly: e.ReadOnly, Timeout: b.Timeout.D(),
			Retries: b.Retries, CipherSuite: b.CipherSuite, HTTP: hc})
	})
	if err != nil {
		return nil, err
	}
	return v.(*bmc.Client), nil
}
