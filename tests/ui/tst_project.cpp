// Project models without a window: case states, the project file (round trip, strict errors,
// atomic writes), new projects from MSD / LA / plain folders through sfr_io, ProjectModel edits,
// the recovery area, the autosave timer, the case list model, and mask export read back through
// sfr_io with the source's geometry.
#include <QColor>
#include <QDir>
#include <QFileInfo>
#include <QFont>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "project_test_support.h"
#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/model/studio_options.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/autosave_controller.h"
#include "sfr/ui/project/case_list_model.h"
#include "sfr/ui/project/case_state.h"
#include "sfr/ui/project/label_table_export.h"
#include "sfr/ui/project/mask_export.h"
#include "sfr/ui/project/project_file.h"
#include "sfr/ui/project/project_from_folder.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/project/recovery_area.h"

using namespace sfr;
using namespace sfr::ui;
using sfr::test::toPath;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The sfr::Error problem `fn` throws ("" when it throws none).
template <typename Fn>
std::string problemOf(Fn&& fn, std::string* subject = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (subject) *subject = e.subject();
    return e.problem();
  }
  return {};
}

Project sampleProject(const fs::path& base) {
  Project p;
  p.name = "sample";
  p.layout = "folder";
  p.source = base / "scans";
  p.spacing = Vec3{0.625, 0.625, 1.25};
  ProjectCase a;
  a.id = "a";
  a.image = base / "scans" / "a.nii.gz";
  a.label = base / "scans" / "a_label.nii.gz";
  a.state = CaseState::Labelled;
  ProjectCase b;
  b.id = "b";
  b.image = "/elsewhere/b.nrrd";
  b.prediction = base / "run" / "b.nii.gz";
  b.state = CaseState::Flagged;
  b.confidence = 0.97;
  p.cases = {a, b};
  LabelTable table;
  table.setName(1, QStringLiteral("atrium"));
  p.labelTable = table.toJson();
  p.training = {{"preset", "cpu"}, {"method", "mean-teacher"}};
  p.runs.push_back({"runs/1", "2024-05-01T10:00:00Z", {{"preset", "cpu"}}, {{"dice", 0.9}}});
  p.currentCase = "b";
  return p;
}

}  // namespace

class ProjectTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // ---- case states ----
  void caseStateKeysRoundTrip() {
    for (CaseState s : {CaseState::Unlabelled, CaseState::Labelled, CaseState::Predicted,
                        CaseState::Flagged, CaseState::Reviewed, CaseState::Accepted}) {
      QCOMPARE(caseStateFromKey(caseStateKey(s)), std::optional<CaseState>(s));
      QVERIFY(!caseStateLabel(s).isEmpty());
      QVERIFY(caseStateColor(s).isValid());
    }
    QCOMPARE(caseStateKey(CaseState::Flagged), std::string("flagged"));
    QVERIFY(!caseStateFromKey("Accepted"));  // keys are lower case
    QVERIFY(!caseStateFromKey("done"));
    QVERIFY(caseStateColor(CaseState::Flagged) != caseStateColor(CaseState::Predicted));
  }
  void confidenceRuleUsesTau() {
    QCOMPARE(kConfidenceThreshold, 0.985);
    QVERIFY(!isBelowThreshold(std::nullopt));
    QVERIFY(isBelowThreshold(0.9849));
    QVERIFY(!isBelowThreshold(0.985));
    QCOMPARE(stateAfterPrediction(0.98), CaseState::Flagged);
    QCOMPARE(stateAfterPrediction(0.99), CaseState::Predicted);
    QVERIFY(hasPrediction(CaseState::Reviewed));
    QVERIFY(hasPrediction(CaseState::Accepted));
    QVERIFY(!hasPrediction(CaseState::Labelled));
    QVERIFY(!hasPrediction(CaseState::Unlabelled));
  }

  // ---- project JSON ----
  void jsonRoundTripKeepsEveryField() {
    const fs::path base = "/projects/p";
    const Project p = sampleProject(base);
    QVERIFY(p.runs[0].config.is_object());
    const json j = projectToJson(p, base);
    QCOMPARE(j.at("version").get<int>(), kProjectFormatVersion);
    QCOMPARE(j.at("cases")[0].at("image").get<std::string>(), std::string("scans/a.nii.gz"));
    QCOMPARE(j.at("cases")[1].at("image").get<std::string>(), std::string("/elsewhere/b.nrrd"));
    const Project back = projectFromJson(j, base, "p.sfrproj");
    QVERIFY(back == p);
    // Relative paths follow the project file when it moves with its scans.
    const Project moved = projectFromJson(j, "/mnt/usb/p", "p.sfrproj");
    QCOMPARE(moved.cases[0].image, fs::path("/mnt/usb/p/scans/a.nii.gz"));
  }
  void strictReadNamesTheKey_data() {
    QTest::addColumn<QString>("patch");  // JSON merge patch applied to a valid project
    QTest::addColumn<QString>("expected");
    QTest::newRow("format") << R"({"format": "other"})"
                            << "format: expected";
    QTest::newRow("newer version") << R"({"version": 2})"
                                   << "version: version 2 is not one";
    QTest::newRow("unknown key") << R"({"colour": 1})"
                                 << "colour: unknown key";
    QTest::newRow("name type") << R"({"name": 5})"
                               << "name: expected a string";
    QTest::newRow("spacing") << R"({"spacing": [1, 0, 1]})"
                             << "spacing: expected three positive";
    QTest::newRow("training") << R"({"training": [1]})"
                              << "training: expected an object";
    QTest::newRow("current case") << R"({"current_case": "zz"})"
                                  << "current_case: \"zz\" is not";
    QTest::newRow("label table") << R"({"label_table": {"labels": []}})"
                                 << "label_table: the table has no labels";
  }
  void strictReadNamesTheKey() {
    QFETCH(QString, patch);
    QFETCH(QString, expected);
    json j = projectToJson(sampleProject("/p"), "/p");
    j.merge_patch(json::parse(patch.toStdString()));
    std::string subject;
    const std::string problem = problemOf([&] { projectFromJson(j, "/p", "x.sfrproj"); }, &subject);
    QCOMPARE(subject, std::string("x.sfrproj"));
    QVERIFY2(problem.find(expected.toStdString()) != std::string::npos, problem.c_str());
  }
  void strictReadOfCasesAndRuns() {
    const json valid = projectToJson(sampleProject("/p"), "/p");
    auto check = [&](const std::function<void(json&)>& edit, const std::string& expected) {
      json j = valid;
      edit(j);
      const std::string problem = problemOf([&] { projectFromJson(j, "/p", "x"); });
      QVERIFY2(problem.find(expected) != std::string::npos, (expected + " | " + problem).c_str());
    };
    check([](json& j) { j["cases"][1]["state"] = "done"; }, "cases[1].state: unknown state");
    check([](json& j) { j["cases"][1]["confidence"] = 1.5; }, "cases[1].confidence: must lie");
    check([](json& j) { j["cases"][0]["extra"] = true; }, "cases[0].extra: unknown key");
    check([](json& j) { j["cases"][0].erase("image"); }, "cases[0].image: missing");
    check([](json& j) { j["cases"][1]["id"] = "a"; }, "cases[1].id: case \"a\" is listed twice");
    check([](json& j) { j["runs"][0]["config"] = 3; }, "runs[0].config: expected an object");
    check([](json& j) { j["cases"] = json::object(); }, "cases: expected an array");
  }
  void projectFileRoundTripIsAtomic() {
    QTemporaryDir dir;
    const fs::path file = toPath(dir.filePath(QStringLiteral("p.sfrproj")));
    const Project p = sampleProject(toPath(dir.path()));
    writeProjectFile(p, file);
    QVERIFY(readProjectFile(file) == p);
    Project changed = p;
    changed.name = "renamed";
    writeProjectFile(changed, file);
    QCOMPARE(readProjectFile(file).name, std::string("renamed"));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList{QStringLiteral("p.sfrproj")});
  }
  void projectFileErrorsNameTheFile() {
    QTemporaryDir dir;
    const fs::path missing = toPath(dir.filePath(QStringLiteral("none.sfrproj")));
    std::string subject;
    QVERIFY(problemOf([&] { readProjectFile(missing); }, &subject).find("does not exist") !=
            std::string::npos);
    QCOMPARE(subject, missing.string());
    const fs::path garbage = toPath(dir.filePath(QStringLiteral("garbage.sfrproj")));
    std::ofstream(garbage) << "{\"format\": ";
    QVERIFY(problemOf([&] { readProjectFile(garbage); }, &subject).find("not valid JSON") !=
            std::string::npos);
    QCOMPARE(subject, garbage.string());
    QVERIFY(problemOf([&] { readProjectFile(toPath(dir.path())); }).find("is a folder") !=
            std::string::npos);
    const fs::path nowhere = toPath(dir.filePath(QStringLiteral("no/such/p.sfrproj")));
    QVERIFY(!problemOf([&] { writeProjectFile(sampleProject("/"), nowhere); }, &subject).empty());
    QCOMPARE(subject, nowhere.string());
  }

  // ---- new projects from folders ----
  void newProjectFromMsdFolder() {
    if (sfr::test::dataDir().isEmpty()) QSKIP("SFR_DATA_DIR is not set");
    const Project p = newProjectFromFolder(toPath(sfr::test::hippocampusDir()));
    QCOMPARE(p.layout, std::string("msd"));
    QCOMPARE(p.name, std::string("hippocampus"));
    QCOMPARE(int(p.cases.size()), 72);
    QCOMPARE(p.cases[0].id, std::string("hippocampus_001"));
    QVERIFY(p.cases[0].label.has_value());
    QCOMPARE(p.cases[0].state, CaseState::Labelled);
    LabelTable table;
    table.fromJson(p.labelTable);
    QCOMPARE(table.find(1)->name, QStringLiteral("Anterior"));
    QCOMPARE(table.find(2)->name, QStringLiteral("Posterior"));
  }
  void newProjectFromLaFolder() {
    if (sfr::test::dataDir().isEmpty()) QSKIP("SFR_DATA_DIR is not set");
    const Project p = newProjectFromFolder(toPath(sfr::test::dataDir() + QStringLiteral("/la")),
                                           Vec3{0.625, 0.625, 0.625});
    QCOMPARE(p.layout, std::string("la"));
    QVERIFY(p.cases.size() >= 2);
    QCOMPARE(p.cases[0].image.filename(), fs::path("mri_norm2.h5"));
    QCOMPARE(p.cases[0].label, std::optional<fs::path>(p.cases[0].image));
    QCOMPARE(p.spacing, std::optional<Vec3>(Vec3{0.625, 0.625, 0.625}));
  }
  void newProjectFromPlainFolder() {
    QTemporaryDir dir;
    const fs::path folder = toPath(dir.filePath(QStringLiteral("scans")));
    sfr::test::writePlainFolder(folder);
    const Project p = newProjectFromFolder(folder);
    QCOMPARE(p.layout, std::string("folder"));
    QCOMPARE(int(p.cases.size()), 2);
    const ProjectCase& a = p.cases[size_t(p.indexOf("case_a"))];
    const ProjectCase& b = p.cases[size_t(p.indexOf("case_b"))];
    QCOMPARE(a.state, CaseState::Labelled);
    QCOMPARE(a.label->filename(), fs::path("case_a_label.nrrd"));
    QCOMPARE(b.state, CaseState::Unlabelled);
    QVERIFY(!b.label);
    QCOMPARE(p.indexOf("nope"), -1);
  }
  void newProjectFromMissingFolderNamesIt() {
    std::string subject;
    const std::string problem =
        problemOf([&] { newProjectFromFolder("/no/such/folder"); }, &subject);
    QVERIFY(!problem.empty());
    QVERIFY2(subject.find("/no/such/folder") != std::string::npos, subject.c_str());
  }

  // ---- ProjectModel ----
  void projectModelEditsMarkItModified() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("m.sfrproj"));
    ProjectModel model;
    QVERIFY(!model.isOpen());
    QSignalSpy reset(&model, &ProjectModel::projectReset);
    QSignalSpy changed(&model, &ProjectModel::changed);
    QSignalSpy caseChanged(&model, &ProjectModel::caseChanged);
    QSignalSpy unsaved(&model, &ProjectModel::unsavedChangesChanged);
    model.setProject(sampleProject(toPath(dir.path())), file);
    QCOMPARE(reset.count(), 1);
    QVERIFY(model.isOpen());
    QCOMPARE(model.displayName(), QStringLiteral("sample"));
    QCOMPARE(model.currentCaseIndex(), 1);  // the project's current case "b"
    QVERIFY(!model.hasUnsavedChanges());

    model.setCaseState(0, CaseState::Accepted);
    QCOMPARE(model.caseAt(0).state, CaseState::Accepted);
    QCOMPARE(caseChanged.count(), 1);
    QCOMPARE(caseChanged.last().at(0).toInt(), 0);
    QVERIFY(model.hasUnsavedChanges());
    QCOMPARE(unsaved.count(), 1);
    model.setCaseState(0, CaseState::Accepted);  // no change, no signal
    QCOMPARE(caseChanged.count(), 1);

    model.setCasePrediction(0, "/run/a.nii.gz", 0.5);
    QCOMPARE(model.caseAt(0).state, CaseState::Flagged);
    model.setCasePrediction(0, "/run/a.nii.gz", 0.995);
    QCOMPARE(model.caseAt(0).state, CaseState::Predicted);
    QCOMPARE(model.caseAt(0).prediction, std::optional<fs::path>("/run/a.nii.gz"));
    model.setCaseConfidence(0, std::nullopt);
    QVERIFY(!model.caseAt(0).confidence);
    QVERIFY(!problemOf([&] { model.setCaseConfidence(0, 2.0); }).empty());
    QVERIFY(!problemOf([&] { model.setCaseState(7, CaseState::Accepted); }).empty());
    QVERIFY(!problemOf([&] { model.caseAt(-1); }).empty());

    model.setTrainingSettings({{"preset", "paper"}});
    QCOMPARE(model.project().training.at("preset").get<std::string>(), std::string("paper"));
    QVERIFY(!problemOf([&] { model.setTrainingSettings(json::array()); }).empty());
    model.addRun({"runs/2", "2024-05-02T00:00:00Z", json(), json()});
    QCOMPARE(int(model.project().runs.size()), 2);
    QVERIFY(model.project().runs[1].config.is_object());
    QVERIFY(model.project().runs[1].result.is_object());
    model.setLabelTable(LabelTable().toJson());
    QVERIFY(changed.count() >= 6);

    model.save();
    QVERIFY(!model.hasUnsavedChanges());
    QVERIFY(readProjectFile(toPath(file)) == model.project());

    model.noteLabelEdited();
    QVERIFY(model.labelEdited());
    QVERIFY(model.hasUnsavedChanges());
    QVERIFY(!model.projectModified());
    model.setCurrentCase(0);  // another case: its label map is the one on disk
    QVERIFY(!model.labelEdited());
    QCOMPARE(model.project().currentCase, std::string("a"));

    const QString other = dir.filePath(QStringLiteral("other.sfrproj"));
    model.saveAs(other);
    QCOMPARE(model.filePath(), other);
    QVERIFY(QFileInfo::exists(other));

    // A failed open keeps the open project.
    QVERIFY(
        !problemOf([&] { model.open(dir.filePath(QStringLiteral("missing.sfrproj"))); }).empty());
    QCOMPARE(model.filePath(), other);
    model.open(file);
    QCOMPARE(model.filePath(), file);
    model.close();
    QVERIFY(!model.isOpen());
    QCOMPARE(model.caseCount(), 0);
  }
  void saveCaseLabelWritesIntoTheProjectsOwnFolder() {
    QTemporaryDir dir;
    const fs::path scans = toPath(dir.filePath(QStringLiteral("scans")));
    sfr::test::writePlainFolder(scans);
    const std::string original = slurp(scans / "case_a_label.nrrd");
    ProjectModel model;
    model.setProject(newProjectFromFolder(scans), dir.filePath(QStringLiteral("p.sfrproj")));
    const int a = model.project().indexOf("case_a");
    const int b = model.project().indexOf("case_b");
    model.setCurrentCase(b);
    model.noteLabelEdited();
    LabelVolume edited = sfr::test::boxLabel(sfr::test::obliqueGeometry());
    edited.at(0, 0, 0) = 3;
    model.saveCaseLabel(b, edited);
    const fs::path saved = model.editedLabelPath(b);
    QCOMPARE(saved, toPath(dir.filePath(QStringLiteral("p.sfrproj.labels/case_b.nii.gz"))));
    QCOMPARE(model.caseAt(b).label, std::optional<fs::path>(saved));
    QCOMPARE(model.caseAt(b).state, CaseState::Labelled);  // was unlabelled
    QVERIFY(!model.labelEdited());
    QVERIFY(model.projectModified());
    QCOMPARE(io::readLabel(saved).voxels(), edited.voxels());
    model.setCasePrediction(a, "/run/a.nii.gz", 0.5);
    model.saveCaseLabel(a, edited);
    QCOMPARE(model.caseAt(a).state, CaseState::Reviewed);    // a corrected prediction
    QCOMPARE(slurp(scans / "case_a_label.nrrd"), original);  // the user's file is untouched
  }

  // ---- recovery area and autosave ----
  void recoveryAreaRoundTrip() {
    QTemporaryDir dir;
    const fs::path file = toPath(dir.filePath(QStringLiteral("r.sfrproj")));
    QCOMPARE(recoveryFolder(file), toPath(dir.filePath(QStringLiteral("r.sfrproj.autosave"))));
    QVERIFY(!pendingRecovery(file));
    const Project p = sampleProject(toPath(dir.path()));
    writeProjectFile(p, file);
    QTest::qWait(20);  // the journal must be strictly newer than the project file
    Project edited = p;
    edited.cases[0].state = CaseState::Accepted;
    const LabelVolume label = sfr::test::boxLabel(sfr::test::obliqueGeometry());
    writeRecovery(file, edited, "a", &label);
    const std::optional<RecoveryJournal> journal = pendingRecovery(file);
    QVERIFY(journal);
    QVERIFY(journal->project == edited);
    QCOMPARE(journal->caseId, std::string("a"));
    QVERIFY(journal->labelFile);
    QCOMPARE(readRecoveredLabel(*journal).voxels(), label.voxels());
    QCOMPARE(readProjectFile(file).cases[0].state, CaseState::Labelled);  // not overwritten

    // An explicit save after the autosave makes it stale.
    QTest::qWait(20);
    writeProjectFile(edited, file);
    QVERIFY(!pendingRecovery(file));

    writeRecovery(file, edited, "", nullptr);
    fs::remove(file);  // the project file gone: the autosave is all there is
    const std::optional<RecoveryJournal> withoutLabel = pendingRecovery(file);
    QVERIFY(withoutLabel && !withoutLabel->labelFile);
    QVERIFY(!problemOf([&] { readRecoveredLabel(*withoutLabel); }).empty());
    QVERIFY(discardRecovery(file));
    QVERIFY(!fs::exists(recoveryFolder(file)));
    QVERIFY(discardRecovery(file));  // nothing to remove is fine
  }
  void malformedJournalIsAnErrorNamingIt() {
    QTemporaryDir dir;
    const fs::path file = toPath(dir.filePath(QStringLiteral("r.sfrproj")));
    fs::create_directories(recoveryFolder(file));
    std::ofstream(recoveryFolder(file) / "journal.json") << R"({"format": "sfr-studio-autosave"})";
    std::string subject;
    QVERIFY(!problemOf([&] { pendingRecovery(file); }, &subject).empty());
    QCOMPARE(subject, (recoveryFolder(file) / "journal.json").string());
  }
  void autosaveWritesWithinTheIntervalAndDiscards() {
    QTemporaryDir dir;
    const fs::path scans = toPath(dir.filePath(QStringLiteral("scans")));
    sfr::test::writePlainFolder(scans);
    const QString file = dir.filePath(QStringLiteral("p.sfrproj"));
    ProjectModel project;
    ViewerModel viewer;
    AutosaveController autosave(&project, &viewer);
    QCOMPARE(autosave.interval(), AutosaveController::kDefaultIntervalMs);
    autosave.setInterval(100000);
    QCOMPARE(autosave.interval(), AutosaveController::kMaxIntervalMs);  // never over 30 s
    autosave.setInterval(0);
    QCOMPARE(autosave.interval(), 1);
    autosave.setInterval(100);

    project.setProject(newProjectFromFolder(scans), file);
    project.save();
    QVERIFY(autosave.flush());  // nothing unsaved: nothing written
    QCOMPARE(autosave.writes(), 0);
    QVERIFY(!fs::exists(recoveryFolder(toPath(file))));

    QSignalSpy saved(&autosave, &AutosaveController::autosaved);
    project.setCaseState(0, CaseState::Accepted);
    QVERIFY(autosave.pending());
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, 5000);
    std::optional<RecoveryJournal> journal = pendingRecovery(toPath(file));
    QVERIFY(journal);
    QCOMPARE(journal->project.cases[0].state, CaseState::Accepted);
    QVERIFY(!journal->labelFile);

    // A label edit of the open case: the label map goes into the autosave.
    const int a = project.project().indexOf("case_a");
    viewer.setImage(sfr::test::rampImage(sfr::test::obliqueGeometry()), QStringLiteral("a"));
    LabelVolume label = sfr::test::boxLabel(sfr::test::obliqueGeometry());
    label.at(1, 1, 1) = 2;
    viewer.setLabel(label, QStringLiteral("a"));
    project.setCurrentCase(a);
    project.noteLabelEdited();
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 2, 5000);
    journal = pendingRecovery(toPath(file));
    QVERIFY(journal && journal->labelFile);
    QCOMPARE(journal->caseId, std::string("case_a"));
    QCOMPARE(readRecoveredLabel(*journal).voxels(), label.voxels());

    autosave.discard();
    QVERIFY(!fs::exists(recoveryFolder(toPath(file))));
    QVERIFY(!autosave.pending());

    // The timed writes run in the background. A change while one is writing is written by a
    // second write once the first is done (the journal ends with it).
    QSignalSpy started(&autosave, &AutosaveController::writeStarted);
    bool changedWhileWriting = false;
    QMetaObject::Connection during =
        connect(&autosave, &AutosaveController::writeStarted, this, [&] {
          if (started.count() != 1) return;
          QVERIFY(autosave.writing());
          changedWhileWriting = true;
          project.setCaseState(1, CaseState::Reviewed);
        });
    project.setCaseState(0, CaseState::Labelled);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 4, 5000);
    disconnect(during);
    QVERIFY(changedWhileWriting);
    QCOMPARE(started.count(), 2);
    QVERIFY(!autosave.writing());
    journal = pendingRecovery(toPath(file));
    QVERIFY(journal);
    QCOMPARE(journal->project.cases[0].state, CaseState::Labelled);
    QCOMPARE(journal->project.cases[1].state, CaseState::Reviewed);
    QCOMPARE(readRecoveredLabel(*journal).voxels(), label.voxels());

    // discard() while a write is in flight waits for it, so nothing is left behind.
    connect(&autosave, &AutosaveController::writeStarted, this, [&] { autosave.discard(); });
    project.setCaseState(0, CaseState::Accepted);
    QTRY_COMPARE_WITH_TIMEOUT(started.count(), 3, 5000);
    QVERIFY(!autosave.writing());
    QVERIFY(!fs::exists(recoveryFolder(toPath(file))));
  }
  void autosaveFailureIsReported() {
    ProjectModel project;
    ViewerModel viewer;
    AutosaveController autosave(&project, &viewer);
    project.setProject(sampleProject("/dev/null"), QStringLiteral("/dev/null/p.sfrproj"), true);
    QSignalSpy failed(&autosave, &AutosaveController::failed);
    QVERIFY(!autosave.flush());
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("autosave")));
  }

  // ---- case list model ----
  void caseListModelShowsStatesAndFlagsUnderTau() {
    ProjectModel project;
    CaseListModel list(&project);
    QCOMPARE(list.rowCount(), 0);
    QSignalSpy reset(&list, &QAbstractItemModel::modelReset);
    Project p = sampleProject("/p");
    ProjectCase c;
    c.id = "c";
    c.image = "/p/c.nii";
    c.state = CaseState::Reviewed;
    c.confidence = 0.9;  // reviewed, still under tau: highlighted
    p.cases.push_back(c);
    project.setProject(p, QStringLiteral("/p/p.sfrproj"));
    QCOMPARE(reset.count(), 1);
    QCOMPARE(list.rowCount(), 3);
    QCOMPARE(list.columnCount(), int(CaseListModel::ColumnCount));
    QCOMPARE(list.headerData(0, Qt::Horizontal).toString(), QStringLiteral("Case"));
    auto cell = [&](int row, int column, int role = Qt::DisplayRole) {
      return list.data(list.index(row, column), role);
    };
    QCOMPARE(cell(0, CaseListModel::CaseColumn).toString(), QStringLiteral("a"));
    QCOMPARE(cell(0, CaseListModel::StateColumn).toString(), QStringLiteral("Labelled"));
    QCOMPARE(cell(0, CaseListModel::ConfidenceColumn).toString(), QStringLiteral("-"));
    QCOMPARE(cell(1, CaseListModel::ConfidenceColumn).toString(), QStringLiteral("0.9700"));
    QCOMPARE(cell(1, CaseListModel::CaseColumn, Qt::DecorationRole).value<QColor>(),
             caseStateColor(CaseState::Flagged));
    QVERIFY(!cell(0, CaseListModel::CaseColumn, Qt::BackgroundRole).isValid());
    QCOMPARE(cell(1, CaseListModel::StateColumn, Qt::BackgroundRole).value<QColor>(),
             CaseListModel::flaggedBackground());
    QCOMPARE(cell(2, CaseListModel::CaseColumn, Qt::BackgroundRole).value<QColor>(),
             CaseListModel::flaggedBackground());
    QVERIFY(cell(2, 0, CaseListModel::FlaggedRole).toBool());
    QVERIFY(!cell(0, 0, CaseListModel::FlaggedRole).toBool());
    QCOMPARE(cell(1, 0, CaseListModel::StateRole).toInt(), int(CaseState::Flagged));
    QCOMPARE(cell(1, 0, CaseListModel::ConfidenceRole).toDouble(), 0.97);
    QVERIFY(!cell(0, 0, CaseListModel::ConfidenceRole).isValid());
    QVERIFY(cell(1, 0, Qt::FontRole).value<QFont>().bold());  // the open case ("b")
    QVERIFY(!cell(0, 0, Qt::FontRole).isValid());
    QVERIFY(cell(1, 0, Qt::ToolTipRole).toString().contains(QStringLiteral("0.985")));

    QSignalSpy dataChanged(&list, &QAbstractItemModel::dataChanged);
    project.setCaseState(0, CaseState::Accepted);
    QCOMPARE(dataChanged.count(), 1);
    QCOMPARE(dataChanged.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(cell(0, CaseListModel::StateColumn).toString(), QStringLiteral("Accepted"));
  }

  // ---- label table export ----
  void labelTableExportHasBackgroundFirstAndQuotesCsv() {
    LabelTable table;
    table.setName(1, QStringLiteral("left, \"upper\" lobe"));
    table.addEntry({2, QStringLiteral("vein"), 0xff00ff00, true, false});
    const json exported = exportedLabelTable(table.toJson());
    QCOMPARE(exported.at("labels").size(), std::size_t(3));
    QCOMPARE(exported.at("labels")[0].at("name").get<std::string>(), std::string("background"));
    QCOMPARE(exported.at("labels")[2].at("color").get<std::string>(), std::string("#00ff00"));
    QCOMPARE(labelTableCsv(table.toJson()),
             std::string("value,name,color\n0,background,\n1,\"left, \"\"upper\"\" lobe\",#ff0000\n"
                         "2,vein,#00ff00\n"));
    QCOMPARE(exportedLabelTable(json()).at("labels")[1].at("name").get<std::string>(),
             std::string("Label 1"));  // null = the default table
    QVERIFY(!problemOf([] { exportedLabelTable({{"labels", 3}}); }).empty());
  }

  // ---- mask export ----
  void exportPlanSelectsCases() {
    Project p = sampleProject("/p");
    p.cases[0].state = CaseState::Accepted;  // label a_label
    ProjectCase c;
    c.id = "c";
    c.image = "/p/c.nii";
    c.state = CaseState::Predicted;  // no prediction file: skipped
    p.cases.push_back(c);
    QTemporaryDir dir;
    MaskExportOptions options;
    options.folder = toPath(dir.path());
    MaskExportPlan plan = planMaskExport(p, options);
    QCOMPARE(int(plan.items.size()), 1);
    QCOMPARE(plan.items[0].caseId, std::string("a"));
    QCOMPARE(plan.items[0].mask, fs::path("/p/scans/a_label.nii.gz"));
    QCOMPARE(plan.items[0].target, options.folder / "a.nii.gz");
    QCOMPARE(plan.labelJson, options.folder / "labels.json");
    QVERIFY(plan.existing.empty());

    options.selection = ExportSelection::AllPredicted;
    options.format = MaskFormat::Nrrd;
    QCOMPARE(maskFileExtension(options.format), std::string(".nrrd"));
    std::ofstream(options.folder / "b.nrrd") << "old";
    plan = planMaskExport(p, options);
    QCOMPARE(int(plan.items.size()), 2);  // accepted a (its label) and flagged b (prediction)
    QCOMPARE(plan.items[1].mask, fs::path("/p/run/b.nii.gz"));
    QCOMPARE(plan.skipped, std::vector<std::string>{"c"});
    QCOMPARE(plan.existing, std::vector<fs::path>{options.folder / "b.nrrd"});
  }
  void exportWritesTheSourceGeometryAndReadsBack() {
    if (sfr::test::dataDir().isEmpty()) QSKIP("SFR_DATA_DIR is not set");
    Project p = newProjectFromFolder(toPath(sfr::test::hippocampusDir()));
    p.cases[0].state = CaseState::Accepted;
    p.cases[2].state = CaseState::Accepted;
    QTemporaryDir dir;
    MaskExportOptions options;
    options.folder = toPath(dir.filePath(QStringLiteral("out")));
    const MaskExportPlan plan = planMaskExport(p, options);
    QCOMPARE(int(plan.items.size()), 2);
    int progressCalls = 0;
    const std::vector<fs::path> written = runMaskExport(plan, p, false, [&](int done, int total) {
      ++progressCalls;
      QCOMPARE(total, 2);
      QCOMPARE(done, progressCalls);
    });
    QCOMPARE(int(written.size()), 4);
    for (const MaskExportItem& item : plan.items) {
      const ImageVolume source = io::readImage(item.image);
      const LabelVolume original = io::readLabel(item.mask);
      const LabelVolume exported = io::readLabel(item.target);
      qInfo("compared %s with %s: %s", item.target.c_str(), item.image.c_str(),
            exported.geometry().describe().c_str());
      QVERIFY(exported.geometry() == source.geometry());  // exact: spacing, origin, direction
      QCOMPARE(exported.voxels(), original.voxels());
    }
    const json table = json::parse(slurp(plan.labelJson));
    QCOMPARE(table.at("labels")[1].at("name").get<std::string>(), std::string("Anterior"));
    QVERIFY(slurp(plan.labelCsv).find("2,Posterior,") != std::string::npos);

    // Existing files are never overwritten without the caller's consent.
    const MaskExportPlan again = planMaskExport(p, options);
    QCOMPARE(int(again.existing.size()), 4);
    const std::string before = slurp(again.items[0].target);
    std::string subject;
    QVERIFY(problemOf([&] { runMaskExport(again, p, false); }, &subject).find("exists already") !=
            std::string::npos);
    QCOMPARE(subject, again.existing.front().string());
    QCOMPARE(slurp(again.items[0].target), before);
    QCOMPARE(int(runMaskExport(again, p, true).size()), 4);
  }
  void exportToNrrdOnAnObliqueGridTakesTheImageGeometry() {
    QTemporaryDir dir;
    const fs::path scans = toPath(dir.filePath(QStringLiteral("scans")));
    sfr::test::writePlainFolder(scans);
    // A mask whose origin is off by a rounding error: exported with the image's geometry.
    Geometry nearly = sfr::test::obliqueGeometry();
    nearly.origin[0] += 1e-7;
    const LabelVolume mask = sfr::test::boxLabel(nearly);
    const fs::path predictions = toPath(dir.filePath(QStringLiteral("predictions")));
    fs::create_directories(predictions);
    io::writeLabel(mask, predictions / "mask_b.mha");
    Project p = newProjectFromFolder(scans);
    const int a = p.indexOf("case_a");
    const int b = p.indexOf("case_b");
    p.cases[size_t(a)].state = CaseState::Accepted;
    p.cases[size_t(b)].prediction = predictions / "mask_b.mha";
    p.cases[size_t(b)].state = CaseState::Predicted;
    MaskExportOptions options;
    options.folder = toPath(dir.filePath(QStringLiteral("out")));
    options.format = MaskFormat::Nrrd;
    options.selection = ExportSelection::AllPredicted;
    const MaskExportPlan plan = planMaskExport(p, options);
    QCOMPARE(int(plan.items.size()), 2);
    runMaskExport(plan, p, false);
    for (const MaskExportItem& item : plan.items) {
      const Geometry source = io::readImage(item.image).geometry();
      const LabelVolume exported = io::readLabel(item.target);
      qInfo("compared %s with %s", item.target.c_str(), item.image.c_str());
      QVERIFY(exported.geometry().sameGrid(source, 1e-12));
      QCOMPARE(exported.voxels(), mask.voxels());
    }
    // A mask on another grid is refused, naming the mask.
    Geometry other = sfr::test::obliqueGeometry();
    other.spacing[2] = 2.0;
    io::writeLabel(sfr::test::boxLabel(other), predictions / "mask_b.mha");
    std::string subject;
    QVERIFY(!problemOf([&] { runMaskExport(plan, p, true); }, &subject).empty());
    QCOMPARE(subject, (predictions / "mask_b.mha").string());
  }

  void exportToNiftiOnAnObliqueGridKeepsTheGeometry() {
    QTemporaryDir dir;
    const fs::path scans = toPath(dir.filePath(QStringLiteral("scans")));
    fs::create_directories(scans);
    const Geometry g = sfr::test::obliqueGeometry();
    io::writeImage(sfr::test::rampImage(g), scans / "c.nii.gz");
    io::writeLabel(sfr::test::boxLabel(g), scans / "c_label.nii.gz");
    Project p = newProjectFromFolder(scans);
    QCOMPARE(int(p.cases.size()), 1);
    p.cases[0].state = CaseState::Accepted;
    MaskExportOptions options;
    options.folder = toPath(dir.filePath(QStringLiteral("out")));
    const MaskExportPlan plan = planMaskExport(p, options);
    runMaskExport(plan, p, false);
    const Geometry source = io::readImage(plan.items[0].image).geometry();
    const LabelVolume exported = io::readLabel(plan.items[0].target);
    qInfo("compared %s with %s: %s", plan.items[0].target.c_str(), plan.items[0].image.c_str(),
          exported.geometry().describe().c_str());
    // NIfTI keeps float32 header fields: the source as read is written back bit for bit.
    QVERIFY(exported.geometry() == source);
    QCOMPARE(exported.voxels(), sfr::test::boxLabel(g).voxels());
  }

  // ---- command line ----
  void studioOptionsForProjects() {
    const QString program = QStringLiteral("sfr-studio");
    StudioOptions o =
        parseStudioArguments({program, QStringLiteral("--project"), QStringLiteral("p.sfrproj"),
                              QStringLiteral("--autosave-ms"), QStringLiteral("250"),
                              QStringLiteral("--accept-recovery"), QStringLiteral("--test-edit"),
                              QStringLiteral("1,2,3"), QStringLiteral("--test-dump-label"),
                              QStringLiteral("out.nii.gz")});
    QCOMPARE(o.project, QStringLiteral("p.sfrproj"));
    QCOMPARE(o.autosaveMs, 250);
    QVERIFY(o.acceptRecovery);
    QCOMPARE(o.testEdit, std::optional<VoxelIndex>(VoxelIndex{1, 2, 3}));
    QCOMPARE(o.testDumpLabel, QStringLiteral("out.nii.gz"));
    QVERIFY(o.helpText.contains(QStringLiteral("--project")));
    QVERIFY(!o.helpText.contains(QStringLiteral("--test-edit")));  // hidden
    QCOMPARE(parseVoxelIndex(QStringLiteral("4, 5,6")), std::optional<VoxelIndex>({4, 5, 6}));
    QVERIFY(!parseVoxelIndex(QStringLiteral("1,2")));
    QVERIFY(!parseVoxelIndex(QStringLiteral("1,-2,3")));
    auto refused = [&](const QStringList& args) {
      return problemOf([&] { parseStudioArguments(QStringList{program} + args); });
    };
    QVERIFY(refused({QStringLiteral("--project"), QStringLiteral("p"), QStringLiteral("--demo")})
                .find("--project excludes") != std::string::npos);
    QVERIFY(refused({QStringLiteral("--autosave-ms"), QStringLiteral("0")}).find("--autosave-ms") !=
            std::string::npos);
    QVERIFY(refused({QStringLiteral("--test-edit"), QStringLiteral("x")}).find("--test-edit") !=
            std::string::npos);
  }
};

QTEST_MAIN(ProjectTest)
#include "tst_project.moc"
