package instances

import (
	"context"
	"testing"
	"time"

	"github.com/stackpit/stackpit/datasource/openstack"
)

// pagedSource hands out its servers in two pages and holds the second
// until release is closed.
type pagedSource struct {
	*fakeSource
	release chan struct{}
}

func (s *pagedSource) ServersPaged(ctx context.Context, since time.Time, onPage func([]openstack.Server)) ([]openstack.Server, error) {
	all := s.fakeSource.servers
	onPage(all[:10])
	select {
	case <-s.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	onPage(all[10:])
	return all, nil
}

// The first rows of a first load reach the table as soon as the first
// page arrives, while the rest still loads; the final list then replaces
// them as usual.
func TestFirstLoadShowsRowsPageByPage(t *testing.T) {
	src := &pagedSource{fakeSource: &fakeSource{servers: fixture()}, release: make(chan struct{})}
	p, _ := newPane(t, src)
	msg := p.Init()()
	pm, ok := msg.(pagesMsg)
	if !ok {
		t.Fatalf("first message of a paged first load is %T, want the first page", msg)
	}
	_, next := p.Update(pm)
	if n := len(p.tbl.Rows()); n != 10 {
		t.Errorf("%d rows after the first page, want 10", n)
	}
	if !p.Status().Loading {
		t.Error("not loading while the rest of the list is still coming")
	}
	close(src.release)
	for i := 0; next != nil && i < 5; i++ {
		_, next = p.Update(next())
	}
	if n := len(p.tbl.Rows()); n != len(fixture()) {
		t.Errorf("%d rows after the load, want %d", n, len(fixture()))
	}
	if p.Status().Loading || p.Status().Updated.IsZero() {
		t.Errorf("status after the load: %+v", p.Status())
	}
}
