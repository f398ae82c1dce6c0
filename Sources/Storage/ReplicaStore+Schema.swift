import GRDB
import Shared

/// The database schema, one migration per version. A newer `field` upgrades an older database when it
/// opens it; migrations only ever add.
extension ReplicaStore {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // The replica's identity and its clock's last timestamp: one row.
            try db.execute(
                sql: """
                    CREATE TABLE replica (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        replica INTEGER NOT NULL,
                        scope TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        clockPhysical INTEGER NOT NULL,
                        clockCounter INTEGER NOT NULL,
                        -- Own changes up to this seq are held by the center; how many after it are not.
                        acknowledgedSeq INTEGER NOT NULL DEFAULT 0,
                        pendingChanges INTEGER NOT NULL DEFAULT 0
                    );
                    -- Every record the log holds, with a small local key for the changes to point at.
                    CREATE TABLE record (
                        id INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        uid TEXT NOT NULL UNIQUE,
                        scope TEXT NOT NULL
                    );
                    -- The change log: every change this replica holds, own and received, once each.
                    -- `scope` is NULL when it is the record's (it always is, unless a replica is faulty).
                    CREATE TABLE change (
                        seq INTEGER PRIMARY KEY,
                        physical INTEGER NOT NULL,
                        counter INTEGER NOT NULL,
                        replica INTEGER NOT NULL,
                        record INTEGER NOT NULL REFERENCES record (id),
                        scope TEXT,
                        field TEXT NOT NULL,
                        value TEXT NOT NULL,
                        UNIQUE (physical, counter, replica)
                    );
                    CREATE INDEX change_record ON change (record);
                    -- Current state of each case, derived from the log, for listing and search.
                    CREATE TABLE dispute (
                        id TEXT PRIMARY KEY,
                        village TEXT NOT NULL,
                        category TEXT,
                        status TEXT NOT NULL,
                        level TEXT,
                        foundBy TEXT,
                        incidentDate TEXT,
                        summary TEXT NOT NULL,
                        parties TEXT NOT NULL,
                        method TEXT,
                        mediator TEXT,
                        agreement TEXT,
                        recorder TEXT,
                        recorded INTEGER NOT NULL,
                        modified INTEGER NOT NULL,
                        visits INTEGER NOT NULL,
                        isVoided INTEGER NOT NULL,
                        search TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX dispute_recorded ON dispute (recorded);
                    CREATE INDEX dispute_status ON dispute (isVoided, status);
                    CREATE TABLE risk (
                        id TEXT PRIMARY KEY,
                        scope TEXT NOT NULL,
                        area TEXT NOT NULL,
                        title TEXT NOT NULL,
                        level TEXT,
                        plan TEXT NOT NULL,
                        ownerPerson TEXT,
                        ownerUnit TEXT,
                        deadline TEXT,
                        status TEXT NOT NULL,
                        struckOn TEXT,
                        recorded INTEGER NOT NULL,
                        modified INTEGER NOT NULL,
                        isVoided INTEGER NOT NULL,
                        search TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX risk_status ON risk (isVoided, status, deadline);
                    """)
        }
        migrator.registerMigration("v2: index cases by village") { db in
            // `dispute list --village` with a town or district code is a range over village codes.
            try db.execute(sql: "CREATE INDEX dispute_village ON dispute (village)")
        }
        migrator.registerMigration("v3: areas and devices") { db in
            try db.execute(
                sql: """
                    -- The district's towns and villages (行政区划), by division code.
                    CREATE TABLE area (
                        code TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        parent TEXT,
                        level TEXT NOT NULL
                    ) WITHOUT ROWID;
                    -- Devices enrolled at a center: who, their scope, and only a hash of their secret.
                    CREATE TABLE device (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        role TEXT NOT NULL,
                        secretHash BLOB NOT NULL,
                        createdAt INTEGER NOT NULL,
                        revokedAt INTEGER,
                        lastSeenAt INTEGER,
                        clockOffset INTEGER,
                        pushedChanges INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v4: sync with a center") { db in
            try db.execute(
                sql: """
                    -- Where the pull left off (the center's sequence), when the last sync finished, and how far
                    -- the center's clock was from this device's then (center minus device, milliseconds).
                    ALTER TABLE replica ADD COLUMN pullCursor INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE replica ADD COLUMN lastSyncAt INTEGER;
                    ALTER TABLE replica ADD COLUMN clockOffset INTEGER;
                    -- The center this replica syncs with, from its enrollment string; the secret is here, so
                    -- the database stays readable by its owner only.
                    CREATE TABLE enrollment (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        url TEXT NOT NULL,
                        device TEXT NOT NULL,
                        secret TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        role TEXT NOT NULL,
                        worker TEXT NOT NULL,
                        enrolledAt INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5: cases by their parties") { db in
            // The case's parties folded and sorted: `field dispute add` warns of a case with the same ones.
            try db.execute(sql: "ALTER TABLE dispute ADD COLUMN partyKey TEXT NOT NULL DEFAULT ''")
            try db.execute(sql: "CREATE INDEX dispute_partyKey ON dispute (partyKey)")
            let rows = try Row.fetchAll(db, sql: "SELECT id, parties FROM dispute")
            for row in rows {
                let parties: String = row["parties"]
                try db.execute(
                    sql: "UPDATE dispute SET partyKey = ? WHERE id = ?",
                    arguments: [partyKey(parties.components(separatedBy: "、")), row["id"] as String])
            }
        }
        migrator.registerMigration("v6: duplicates and reports") { db in
            try db.execute(
                sql: """
                    -- The case this one was merged into (its duplicate lane), whether it is counted as a case of
                    -- its own (0 when it was merged into a case this replica holds), and how many cases were
                    -- merged into it (its row then shows them combined: see `Dispute.absorbing`).
                    ALTER TABLE dispute ADD COLUMN duplicateOf TEXT;
                    ALTER TABLE dispute ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE dispute ADD COLUMN merged INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX dispute_duplicateOf ON dispute (duplicateOf) WHERE duplicateOf IS NOT NULL;
                    DROP INDEX dispute_status;
                    CREATE INDEX dispute_status ON dispute (isVoided, counted, status);
                    -- The parties' ID-card and phone numbers, for the center's duplicate finder.
                    ALTER TABLE dispute ADD COLUMN numbers TEXT NOT NULL DEFAULT '';
                    -- The date of the agreement shown, for reports of agreements reached in a period.
                    ALTER TABLE dispute ADD COLUMN agreementDate TEXT;
                    -- Reports read only these covering indexes, never the rows: a year of a million cases is
                    -- one range scan of each.
                    -- (Equalities first: the planner then prefers them to `dispute_status`.)
                    CREATE INDEX dispute_report ON dispute (
                        counted, isVoided, recorded, status, foundBy, village, category, method, recorder);
                    CREATE INDEX dispute_agreementDate ON dispute (counted, isVoided, status, agreementDate, village)
                        WHERE agreementDate IS NOT NULL;
                    -- By place: a town's cases are one range (replaces v2's index on village alone).
                    DROP INDEX dispute_village;
                    CREATE INDEX dispute_place ON dispute (village, recorded, counted, isVoided, status, foundBy);
                    -- Each case's own follow-up visits, for reports (`voided`: the case's).
                    CREATE TABLE visit (
                        dispute TEXT NOT NULL,
                        date TEXT NOT NULL,
                        kept INTEGER NOT NULL,
                        village TEXT NOT NULL,
                        voided INTEGER NOT NULL
                    );
                    CREATE INDEX visit_dispute ON visit (dispute);
                    CREATE INDEX visit_date ON visit (date, voided, village, kept);
                    CREATE INDEX visit_place ON visit (village, date);
                    -- How many changes made on each day (local time, by their stamp) to records of each area
                    -- arrived on which day, by field: reports tell late changes by it.
                    CREATE TABLE arrived (
                        field TEXT NOT NULL,
                        day TEXT NOT NULL,
                        scope TEXT NOT NULL,
                        arrivedOn TEXT NOT NULL,
                        changes INTEGER NOT NULL,
                        PRIMARY KEY (field, day, scope, arrivedOn)
                    ) WITHOUT ROWID;
                    -- When changes arrived: every change up to `seq` (and after the previous row's) arrived at
                    -- `at` (milliseconds, this replica's clock). Reports tell late changes by it.
                    CREATE TABLE arrival (
                        seq INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL
                    );
                    -- The last change received of a record in each scope (a village, or a town for its own risk
                    -- items): when that area's data last arrived, for reports.
                    CREATE TABLE received (
                        scope TEXT PRIMARY KEY,
                        seq INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    -- Pairs of cases the finder proposed (first < second): awaiting review, merged, or
                    -- dismissed (never proposed again).
                    CREATE TABLE duplicate_pair (
                        first TEXT NOT NULL,
                        second TEXT NOT NULL,
                        score REAL NOT NULL,
                        reasons TEXT NOT NULL,
                        decision TEXT NOT NULL,
                        proposedAt INTEGER NOT NULL,
                        decidedAt INTEGER,
                        PRIMARY KEY (first, second)
                    ) WITHOUT ROWID;
                    CREATE INDEX duplicate_pair_decision ON duplicate_pair (decision, score);
                    """)
            // Every case's row is derived anew: visits, agreement dates, merges.
            let ids = try String.fetchAll(db, sql: "SELECT uid FROM record WHERE kind = 'dispute'")
            guard !ids.isEmpty else { return }
            // The log is read by today's code, which knows runs (v8).
            try addRunColumns(db)
            var session = try Session(db: db, wallClock: SystemWallClock())
            for id in ids.compactMap(RecordID.init) {
                try session.load(EntityKey(kind: .dispute, id: id))
                session.touched.insert(EntityKey(kind: .dispute, id: id))
            }
            try session.deriveRows()
        }
        migrator.registerMigration("v7: rows that append") { db in
            // Taking a district's year in one pull is mostly inserting rows. A case's row is large (its
            // text and search text): in a table ordered by random ids every insert splits pages, so case and
            // risk rows now go in rowid order, found by id through a unique index. The log no longer keeps
            // an index of timestamps: a change is known by its record's changes, which every write loads
            // anyway (`Session.held`).
            try db.execute(
                sql: """
                    CREATE TABLE change_v7 (
                        seq INTEGER PRIMARY KEY,
                        physical INTEGER NOT NULL,
                        counter INTEGER NOT NULL,
                        replica INTEGER NOT NULL,
                        record INTEGER NOT NULL REFERENCES record (id),
                        scope TEXT,
                        field TEXT NOT NULL,
                        value TEXT NOT NULL
                    );
                    INSERT INTO change_v7 SELECT seq, physical, counter, replica, record, scope, field, value FROM change;
                    DROP TABLE change;
                    ALTER TABLE change_v7 RENAME TO change;
                    CREATE INDEX change_record ON change (record);

                    CREATE TABLE dispute_v7 (
                        id TEXT NOT NULL UNIQUE,
                        village TEXT NOT NULL,
                        category TEXT,
                        status TEXT NOT NULL,
                        level TEXT,
                        foundBy TEXT,
                        incidentDate TEXT,
                        summary TEXT NOT NULL,
                        parties TEXT NOT NULL,
                        method TEXT,
                        mediator TEXT,
                        agreement TEXT,
                        recorder TEXT,
                        recorded INTEGER NOT NULL,
                        modified INTEGER NOT NULL,
                        visits INTEGER NOT NULL,
                        isVoided INTEGER NOT NULL,
                        search TEXT NOT NULL,
                        partyKey TEXT NOT NULL DEFAULT '',
                        duplicateOf TEXT,
                        counted INTEGER NOT NULL DEFAULT 1,
                        merged INTEGER NOT NULL DEFAULT 0,
                        numbers TEXT NOT NULL DEFAULT '',
                        agreementDate TEXT
                    );
                    INSERT INTO dispute_v7 (id, village, category, status, level, foundBy, incidentDate, summary, parties,
                        method, mediator, agreement, recorder, recorded, modified, visits, isVoided, search, partyKey,
                        duplicateOf, counted, merged, numbers, agreementDate)
                    SELECT id, village, category, status, level, foundBy, incidentDate, summary, parties,
                        method, mediator, agreement, recorder, recorded, modified, visits, isVoided, search, partyKey,
                        duplicateOf, counted, merged, numbers, agreementDate
                    FROM dispute;
                    DROP TABLE dispute;
                    ALTER TABLE dispute_v7 RENAME TO dispute;
                    CREATE INDEX dispute_recorded ON dispute (recorded);
                    CREATE INDEX dispute_partyKey ON dispute (partyKey);
                    CREATE INDEX dispute_duplicateOf ON dispute (duplicateOf) WHERE duplicateOf IS NOT NULL;
                    CREATE INDEX dispute_status ON dispute (isVoided, counted, status);
                    CREATE INDEX dispute_report ON dispute (
                        counted, isVoided, recorded, status, foundBy, village, category, method, recorder);
                    CREATE INDEX dispute_agreementDate ON dispute (counted, isVoided, status, agreementDate, village)
                        WHERE agreementDate IS NOT NULL;
                    CREATE INDEX dispute_place ON dispute (village, recorded, counted, isVoided, status, foundBy);

                    CREATE TABLE risk_v7 (
                        id TEXT NOT NULL UNIQUE,
                        scope TEXT NOT NULL,
                        area TEXT NOT NULL,
                        title TEXT NOT NULL,
                        level TEXT,
                        plan TEXT NOT NULL,
                        ownerPerson TEXT,
                        ownerUnit TEXT,
                        deadline TEXT,
                        status TEXT NOT NULL,
                        struckOn TEXT,
                        recorded INTEGER NOT NULL,
                        modified INTEGER NOT NULL,
                        isVoided INTEGER NOT NULL,
                        search TEXT NOT NULL
                    );
                    INSERT INTO risk_v7 (id, scope, area, title, level, plan, ownerPerson, ownerUnit, deadline, status,
                        struckOn, recorded, modified, isVoided, search)
                    SELECT id, scope, area, title, level, plan, ownerPerson, ownerUnit, deadline, status,
                        struckOn, recorded, modified, isVoided, search
                    FROM risk;
                    DROP TABLE risk;
                    ALTER TABLE risk_v7 RENAME TO risk;
                    CREATE INDEX risk_status ON risk (isVoided, status, deadline);
                    """)
        }
        migrator.registerMigration("v8: runs of changes") { db in
            // A row of the log may hold a run of changes: consecutive changes of one record by one replica,
            // as a command or a pushed case makes them. The row's columns hold the run's last change (its
            // `seq` is that change's); `earlier` holds the others, each numbered one less than the next
            // (`ChangeRun`). Rows written before hold one change each, as a run of one.
            try addRunColumns(db)
        }
        migrator.registerMigration("v9: checkpoints") { db in
            // The latest point of the center's log this replica has seen (`Checkpoint`): the change
            // numbered `checkpointSeq` there has the timestamp `checkpointStamp`.
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN checkpointSeq INTEGER")
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN checkpointStamp TEXT")
            // After starting over, changes of other replicas up to this local number are sent too.
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN resendThrough INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v10: areas merged") { db in
            // The area a reorganisation merged this one into (`Successions`): its records count there now.
            try db.execute(sql: "ALTER TABLE area ADD COLUMN successor TEXT")
            // The merged areas the center last said this replica's scope reaches (`Reach.fingerprint`;
            // empty for none): when they change, the pull starts again from the beginning.
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN reach TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v11: snapshots") { db in
            // While a snapshot is being taken (`SnapshotPage`), the id of the last record taken; NULL
            // otherwise.
            try db.execute(sql: "ALTER TABLE replica ADD COLUMN snapshotAfter TEXT")
        }
        migrator.registerMigration("v12: no index of cases by time alone") { db in
            // Every query that orders or ranges cases by when they were recorded also asks whether they
            // count and are voided, and reads `dispute_report` (lists, reports), or asks for a place and
            // reads `dispute_place`: SQLite never chose this one, while every case written paid for it.
            try db.execute(sql: "DROP INDEX dispute_recorded")
        }
        migrator.registerMigration("v13: replicas bound to devices") { db in
            // The center's: which enrolled device sends its changes from each replica (bound by its first
            // push that names the replica its own), and when the center last told a device that its log
            // was not the one the device synced with (a restored backup: the device then sends back what
            // it pulled from others).
            try db.execute(
                sql: """
                    CREATE TABLE device_replica (
                        replica INTEGER PRIMARY KEY,
                        device TEXT NOT NULL,
                        boundAt INTEGER NOT NULL
                    );
                    CREATE TABLE device_restart (
                        device TEXT PRIMARY KEY,
                        at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }

    /// Adds the columns of runs to the log unless it has them (v6 reads the log with today's code; v7
    /// rebuilds the table without them).
    static func addRunColumns(_ db: Database) throws {
        let columns = try db.columns(in: "change").map(\.name)
        if !columns.contains("runLength") {
            try db.execute(sql: "ALTER TABLE change ADD COLUMN runLength INTEGER NOT NULL DEFAULT 1")
        }
        if !columns.contains("earlier") {
            try db.execute(sql: "ALTER TABLE change ADD COLUMN earlier BLOB")
        }
    }

    /// The parties' names folded (`PartyName.normalize`) and sorted: equal for the same people
    /// whatever the order or spelling of spaces and width.
    public static func partyKey(_ names: [String]) -> String {
        // Most cases have one or two parties: every case's row asks, so they are not put in arrays.
        switch names.count {
        case 1:
            return PartyName.normalize(names[0])
        case 2:
            let (first, second) = (PartyName.normalize(names[0]), PartyName.normalize(names[1]))
            if first.isEmpty || second.isEmpty { return first + second }
            return first <= second ? first + "|" + second : second + "|" + first
        default:
            return names.map(PartyName.normalize).filter { !$0.isEmpty }.sorted().joined(separator: "|")
        }
    }
}
