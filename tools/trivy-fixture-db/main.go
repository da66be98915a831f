// Command trivy-fixture-db writes a real Trivy vulnerability DB (trivy.db + metadata.json, schema 2)
// holding a few Debian advisories read from a JSON file, with trivy-db's own code: the database
// layer, the data source record and the build pipeline (vulndb: insert, optimize, cleanup) that the
// published DB goes through. kfc's tests scan fixture images against it offline (the published DB
// is downloaded from a registry not reachable everywhere).
//
//	trivy-fixture-db -in advisories.json -out CACHE_DIR   # writes CACHE_DIR/db/{trivy.db,metadata.json}
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulndb"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
)

// Advisory is one fixture entry: a vulnerability of a Debian source package.
type Advisory struct {
	ID           string `json:"id"`
	Debian       string `json:"debian"` // major release, e.g. "13"
	Package      string `json:"package"`
	Severity     string `json:"severity"`
	FixedVersion string `json:"fixedVersion"` // empty: not fixed
	Title        string `json:"title"`
}

type fixture struct {
	Advisories []Advisory `json:"advisories"`
}

// source stores the advisories as trivy-db's Debian source does (vulnsrc/debian defaultPut), under
// the Debian data source, so Trivy's Debian detector finds them for installed packages.
type source struct{ advisories []Advisory }

func (source) Name() types.SourceID { return vulnerability.Debian }

func (s source) Update(string) error {
	dbc := db.Config{}
	ds := types.DataSource{ID: vulnerability.Debian, Name: "kfc fixture (Debian Security Tracker layout)"}
	return dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range s.advisories {
			sev, err := types.NewSeverity(a.Severity)
			if err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
			platform := bucket.NewDebian(a.Debian).Name()
			adv := types.Advisory{Severity: sev, FixedVersion: a.FixedVersion}
			if a.FixedVersion == "" {
				adv.Status = types.StatusAffected
			}
			if err := dbc.PutAdvisoryDetail(tx, a.ID, a.Package, []string{platform}, &adv); err != nil {
				return err
			}
			detail := types.VulnerabilityDetail{Title: a.Title, Severity: sev}
			if err := dbc.PutVulnerabilityDetail(tx, a.ID, vulnerability.Debian, detail); err != nil {
				return err
			}
			if err := dbc.PutVulnerabilityID(tx, a.ID); err != nil {
				return err
			}
			if err := dbc.PutDataSource(tx, platform, ds); err != nil {
				return err
			}
		}
		return nil
	})
}

func main() {
	in := flag.String("in", "", "fixture advisories (JSON)")
	out := flag.String("out", "", "Trivy cache dir: the DB goes to OUT/db")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: trivy-fixture-db -in advisories.json -out CACHE_DIR")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintf(os.Stderr, "trivy-fixture-db: %v\n", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if len(f.Advisories) == 0 {
		return fmt.Errorf("%s: no advisories", in)
	}
	dir := filepath.Join(out, "db")
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := db.Init(dir); err != nil {
		return err
	}
	src := source{advisories: f.Advisories}
	// A year between updates: scans use --skip-db-update, and Trivy warns about a DB past NextUpdate.
	v := vulndb.New("", dir, 365*24*time.Hour, vulndb.WithVulnSrcs(map[types.SourceID]vulnsrc.VulnSrc{src.Name(): src}))
	if err := v.Build([]string{string(src.Name())}); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	fmt.Printf("trivy-fixture-db: %d advisories in %s\n", len(f.Advisories), db.Path(dir))
	return nil
}
