package openstack

import (
	"context"
	"fmt"
	"sync"
)

// placementUsage fills capacity and usage from Placement for each
// hypervisor (resource provider UUID = compute node UUID at mv >= 2.53;
// else matched by name).
//
// Placement has no bulk usages call, so reading every provider each
// refresh costs two requests per host (2,000 per refresh at 1,000 hosts).
// Instead one GET /resource_providers per call lists every provider's
// generation, which Placement bumps on every change to the provider's
// inventory or allocations; a provider's usages are re-read only when its
// generation moved, and then at most every UsageEvery (default a minute),
// its inventories every InventoryEvery (default 10 minutes), never both in
// one UsageEvery once both were read. Between reads the last values are
// used.
func (c *Client) placementUsage(ctx context.Context, hvs []Hypervisor) error {
	if c.placement == nil {
		return fmt.Errorf("Nova %s reports no usage and the catalog has no Placement endpoint: %w", c.mv, ErrNoService)
	}
	b := &c.budget
	b.rpMu.Lock() // one reader at a time: concurrent callers would only duplicate reads
	defer b.rpMu.Unlock()
	var rps struct {
		Providers []struct {
			UUID       string `json:"uuid"`
			Name       string `json:"name"`
			Generation int64  `json:"generation"`
		} `json:"resource_providers"`
	}
	if _, err := c.getJSON(ctx, c.placement, "placement", c.placement.ServiceURL("resource_providers"), &rps); err != nil {
		return err
	}
	now := c.now()
	if b.rps == nil {
		b.rps = map[string]*rpState{}
	}
	byUUID, byName, gens := map[string]string{}, map[string]string{}, map[string]int64{}
	for _, p := range rps.Providers {
		byUUID[p.UUID] = p.UUID
		byName[p.Name] = p.UUID
		gens[p.UUID] = p.Generation
	}
	for u := range b.rps {
		if _, ok := gens[u]; !ok {
			delete(b.rps, u) // provider gone
		}
	}
	usageEvery := orDefault(c.UsageEvery, DefaultUsageEvery)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, 8)
		uuids    = make([]string, len(hvs))
	)
	for i := range hvs {
		uuid := byUUID[hvs[i].ID]
		if uuid == "" {
			uuid = byName[hvs[i].Hostname]
		}
		uuids[i] = uuid
		if uuid == "" {
			continue
		}
		st := b.rps[uuid]
		if st == nil {
			st = &rpState{}
			b.rps[uuid] = st
		}
		gen := gens[uuid]
		needUse := !st.haveUse || now.Sub(st.usageAt) >= DefaultUsageMaxAge ||
			(st.gen != gen && now.Sub(st.usageAt) >= usageEvery)
		needInv := !st.haveInv || now.Sub(st.invAt) >= DefaultInventoryEvery
		if st.haveUse && st.haveInv {
			// Known provider: one request per usageEvery at most (issue
			// 15: <= 1 per host per minute for usage data). A busy host's
			// generation moves every minute; its inventories, when due,
			// take that minute's turn and its usages wait one more.
			if now.Sub(st.askedAt) < usageEvery {
				continue
			}
			if needInv {
				needUse = false
			}
		}
		if !needUse && !needInv {
			continue
		}
		st.askedAt = now
		wg.Add(1)
		go func(st *rpState, uuid string, gen int64) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var invs struct {
				Inventories map[string]placementInv `json:"inventories"`
			}
			var use struct {
				Usages map[string]int `json:"usages"`
			}
			var errI, errU error
			if needInv {
				_, errI = c.getJSON(ctx, c.placement, "placement", c.placement.ServiceURL("resource_providers", uuid, "inventories"), &invs)
			}
			if needUse && errI == nil {
				_, errU = c.getJSON(ctx, c.placement, "placement", c.placement.ServiceURL("resource_providers", uuid, "usages"), &use)
			}
			mu.Lock()
			defer mu.Unlock()
			if needInv && errI == nil {
				st.inv, st.invAt, st.haveInv = invs.Inventories, now, true
			}
			if needUse && errI == nil && errU == nil {
				st.use, st.usageAt, st.haveUse, st.gen = use.Usages, now, true, gen
			}
			if err := errI; err != nil || errU != nil {
				if err == nil {
					err = errU
				}
				if firstErr == nil {
					firstErr = err
				}
			}
		}(st, uuid, gen)
	}
	wg.Wait()
	capOf := func(v placementInv) int {
		r := v.AllocationRatio
		if r == 0 {
			r = 1
		}
		return int(float64(v.Total-v.Reserved) * r)
	}
	for i := range hvs {
		st := b.rps[uuids[i]]
		if uuids[i] == "" || st == nil || !st.haveInv || !st.haveUse {
			continue
		}
		h := &hvs[i]
		vc, mem, disk := st.inv["VCPU"], st.inv["MEMORY_MB"], st.inv["DISK_GB"]
		h.VCPUs, h.MemoryMB, h.DiskGB = vc.Total, mem.Total, disk.Total
		h.VCPUsCap, h.MemoryCap, h.DiskCap = capOf(vc), capOf(mem), capOf(disk)
		h.VCPUsUsed, h.MemUsed, h.DiskUsed = st.use["VCPU"], st.use["MEMORY_MB"], st.use["DISK_GB"]
		h.UsageFrom = "placement"
	}
	return firstErr
}
