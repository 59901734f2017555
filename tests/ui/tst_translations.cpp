// The studio's languages: every shipped .ts file (translations/) is complete and consistent
// (no unfinished, vanished or empty entry, the same %1..%n placeholders and at most the source's
// accelerators), the compiled .qm files are embedded and load, and with each language installed
// the real main window shows translated menus, tool names, undo action and dock titles (the
// expected texts are read from the .ts files, plus the terminology: Brush = 画笔 / Pinsel,
// Undo = 撤销 / Rückgängig). Then the language plumbing: the system locale's choice, --lang, and
// View > Language storing the choice.
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QDockWidget>
#include <QFile>
#include <QHash>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>
#include <memory>

#include "sfr/base/error.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/views/edit_actions.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/language.h"
#include "sfr/ui/model/studio_options.h"

using namespace sfr::ui;

namespace {

// One .ts file: translations by (context, source) and whatever is wrong with it.
struct TsFile {
  QString language;
  int messages = 0;
  // key: context + '\x1f' + source (+ '\x1f' + comment); numerus: the first form
  QHash<QString, QString> translation;
  QStringList problems;
};

QString key(const QString& context, const QString& source, const QString& comment = {}) {
  return context + QChar(0x1f) + source + (comment.isEmpty() ? QString() : QChar(0x1f) + comment);
}

QStringList placeholders(const QString& text) {
  QStringList found;
  static const QRegularExpression re(QStringLiteral("%(\\d+|n)"));
  for (auto it = re.globalMatch(text); it.hasNext();) found << it.next().captured(0);
  found.sort();
  found.removeDuplicates();
  return found;
}

int accelerators(QString text) {
  text.remove(QStringLiteral("&&"));
  return static_cast<int>(text.count(QLatin1Char('&')));
}

TsFile readTs(const QString& path) {
  TsFile ts;
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    ts.problems << path + QStringLiteral(": cannot be read");
    return ts;
  }
  QXmlStreamReader xml(&file);
  QString context, source, comment, type;
  QStringList forms;
  bool numerus = false;
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement()) {
      const auto name = xml.name();
      if (name == QLatin1String("TS")) {
        ts.language = xml.attributes().value(QLatin1String("language")).toString();
      } else if (name == QLatin1String("name")) {
        context = xml.readElementText();
      } else if (name == QLatin1String("message")) {
        numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        source.clear();
        comment.clear();
        forms.clear();
        type.clear();
      } else if (name == QLatin1String("source")) {
        source = xml.readElementText();
      } else if (name == QLatin1String("comment")) {
        comment = xml.readElementText();
      } else if (name == QLatin1String("translation")) {
        type = xml.attributes().value(QLatin1String("type")).toString();
        if (!numerus) forms << xml.readElementText();
      } else if (name == QLatin1String("numerusform")) {
        forms << xml.readElementText();
      }
    } else if (xml.isEndElement() && xml.name() == QLatin1String("message")) {
      ++ts.messages;
      const QString where = context + QStringLiteral(": \"") + source + QLatin1Char('"');
      if (!type.isEmpty()) ts.problems << where + QStringLiteral(" is ") + type;
      if (forms.isEmpty() || forms.contains(QString()))
        ts.problems << where + QStringLiteral(" has an empty translation");
      for (const QString& form : forms) {
        // A numerus form may leave %n out (e.g. "one file"), nothing else.
        QStringList want = placeholders(source), got = placeholders(form);
        if (numerus) want.removeAll(QStringLiteral("%n")), got.removeAll(QStringLiteral("%n"));
        if (want != got)
          ts.problems << where + QStringLiteral(" -> \"") + form +
                             QStringLiteral("\": placeholders differ");
        if (accelerators(form) != accelerators(source))
          ts.problems << where + QStringLiteral(" -> \"") + form +
                             QStringLiteral("\": accelerators (&) differ");
      }
      if (!forms.isEmpty()) ts.translation.insert(key(context, source, comment), forms.front());
    }
  }
  if (xml.hasError())
    ts.problems << path + QStringLiteral(": ") + xml.errorString() +
                       QStringLiteral(" at line %1").arg(xml.lineNumber());
  return ts;
}

QString tsPath(const QString& code) {
  return QStringLiteral(SFR_TRANSLATIONS_DIR "/sfr_studio_%1.ts").arg(code);
}

QStringList menuTitles(const MainWindow& window) {
  QStringList titles;
  for (QAction* a : window.menuBar()->actions()) titles << a->text();
  return titles;
}

// View > Language: the menu-bar menu that holds the "languageMenu" submenu, and the submenu.
QMenu* languageMenu(const MainWindow& window, QMenu** parentMenu = nullptr) {
  auto* language = window.findChild<QMenu*>(QStringLiteral("languageMenu"));
  if (!language) return nullptr;
  for (QAction* top : window.menuBar()->actions())
    if (top->menu() && top->menu()->actions().contains(language->menuAction())) {
      if (parentMenu) *parentMenu = top->menu();
      return language;
    }
  return nullptr;  // not in any menu of the menu bar
}

}  // namespace

class TranslationsTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test folder
    QApplication::setOrganizationName(QStringLiteral("SFR-tests"));
    QApplication::setApplicationName(QStringLiteral("tst_translations"));
    QSettings().clear();
  }
  void cleanup() { installTranslators(QStringLiteral("en")); }  // also after a failed test
  void cleanupTestCase() {
    installTranslators(QStringLiteral("en"));
    QSettings().clear();
  }

  void shippedLanguages() {
    QCOMPARE(availableLanguages(),
             QStringList({QStringLiteral("en"), QStringLiteral("zh_CN"), QStringLiteral("de")}));
    QCOMPARE(languageNativeName(QStringLiteral("zh_CN")), QStringLiteral("简体中文"));
    QCOMPARE(languageNativeName(QStringLiteral("de")), QStringLiteral("Deutsch"));
  }

  void tsFileIsComplete_data() {
    QTest::addColumn<QString>("code");
    QTest::newRow("zh_CN") << QStringLiteral("zh_CN");
    QTest::newRow("de") << QStringLiteral("de");
  }
  void tsFileIsComplete() {
    QFETCH(QString, code);
    const TsFile ts = readTs(tsPath(code));
    qInfo("%s: language %s, %d messages, %lld problems", qPrintable(tsPath(code)),
          qPrintable(ts.language), ts.messages, static_cast<long long>(ts.problems.size()));
    QVERIFY2(ts.problems.isEmpty(), qPrintable(ts.problems.join(QLatin1Char('\n'))));
    QVERIFY(ts.language.startsWith(code.left(2)));
    QVERIFY2(ts.messages > 100, "the .ts file holds too few messages: run translations/update.sh");
  }

  void embeddedQmLoads_data() { tsFileIsComplete_data(); }
  void embeddedQmLoads() {
    QFETCH(QString, code);
    const TsFile ts = readTs(tsPath(code));
    const QString qm = translationFile(code);
    QVERIFY2(!qm.isEmpty(), qPrintable(code));
    QTranslator translator;
    QVERIFY2(translator.load(qm), qPrintable(qm));
    QCOMPARE(translator.language(), ts.language);
    // Every message of the .ts file is in the .qm file with its translation.
    int compared = 0;
    for (auto it = ts.translation.cbegin(); it != ts.translation.cend(); ++it) {
      const QStringList parts = it.key().split(QChar(0x1f));
      const QByteArray context = parts[0].toUtf8(), source = parts[1].toUtf8();
      const QByteArray comment = parts.size() > 2 ? parts[2].toUtf8() : QByteArray();
      if (source.contains("%n")) continue;  // numerus: translate() needs n
      QCOMPARE(translator.translate(context.constData(), source.constData(),
                                    comment.isEmpty() ? nullptr : comment.constData()),
               it.value());
      ++compared;
    }
    qInfo("%s: %d messages compared with %s", qPrintable(qm), compared, qPrintable(tsPath(code)));
    QVERIFY(compared > 100);
  }

  void windowTextsChange_data() {
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("brush");
    QTest::addColumn<QString>("undo");
    QTest::newRow("zh_CN") << QStringLiteral("zh_CN") << QStringLiteral("画笔")
                           << QStringLiteral("撤销(&U)");
    QTest::newRow("de") << QStringLiteral("de") << QStringLiteral("Pinsel")
                        << QStringLiteral("&Rückgängig");
  }
  void windowTextsChange() {
    QFETCH(QString, code);
    QFETCH(QString, brush);
    QFETCH(QString, undo);
    const TsFile ts = readTs(tsPath(code));
    const auto tr = [&ts](const char* context, const char* source) {
      return ts.translation.value(key(QString::fromLatin1(context), QString::fromLatin1(source)));
    };

    QCOMPARE(installTranslators(code), code);
    QCOMPARE(currentLanguage(), code);
    {
      MainWindow window;
      const QStringList menus = menuTitles(window);
      qInfo("%s menus: %s", qPrintable(code), qPrintable(menus.join(QStringLiteral(" | "))));
      for (const char* title : {"&File", "&Edit", "&View"}) {
        const QString expected = tr("sfr::ui::MainWindow", title);
        QVERIFY2(!expected.isEmpty() && expected != QLatin1String(title), title);
        QVERIFY2(menus.contains(expected), qPrintable(expected));
        QVERIFY(!menus.contains(QLatin1String(title)));
      }
      QAction* brushAction = window.editActions()->toolAction(LabelEditingModel::Brush);
      QVERIFY(brushAction);
      QCOMPARE(brushAction->text(), tr("sfr::ui::BrushEffect", "Brush"));
      QCOMPARE(brushAction->text(), brush);
      QCOMPARE(window.editActions()->undoAction()->text(), tr("sfr::ui::EditActions", "&Undo"));
      QCOMPARE(window.editActions()->undoAction()->text(), undo);
      QCOMPARE(window.toolsDock()->windowTitle(), tr("sfr::ui::MainWindow", "Label Editing"));
      QCOMPARE(window.windowTitle(), tr("sfr::ui::MainWindow", "SFR Studio"));
      QMenu* view = nullptr;
      QMenu* language = languageMenu(window, &view);
      QVERIFY(language && view);
      QCOMPARE(view->title(), tr("sfr::ui::MainWindow", "&View"));
      QCOMPARE(language->title(), tr("LanguageMenu", "&Language"));
    }

    // Back to English: a new window shows the source strings again.
    QCOMPARE(installTranslators(QStringLiteral("en")), QStringLiteral("en"));
    MainWindow english;
    QVERIFY(menuTitles(english).contains(QStringLiteral("&File")));
    QCOMPARE(english.editActions()->toolAction(LabelEditingModel::Brush)->text(),
             QStringLiteral("Brush"));
  }

  void systemLocaleChoosesTheLanguage() {
    const auto pick = [](std::initializer_list<const char*> names) {
      QStringList list;
      for (const char* n : names) list << QString::fromLatin1(n);
      return languageForUiLanguages(list);
    };
    QCOMPARE(pick({"de-DE", "de"}), QStringLiteral("de"));
    QCOMPARE(pick({"de-AT"}), QStringLiteral("de"));
    QCOMPARE(pick({"zh-Hans-CN", "zh-CN", "zh"}), QStringLiteral("zh_CN"));
    QCOMPARE(pick({"zh-SG"}), QStringLiteral("zh_CN"));
    QCOMPARE(pick({"zh-TW", "de"}), QStringLiteral("de"));  // traditional Chinese is not shipped
    QCOMPARE(pick({"fr-FR", "zh-CN"}), QStringLiteral("zh_CN"));
    QCOMPARE(pick({"en-GB", "de"}), QStringLiteral("en"));
    QCOMPARE(pick({"fr-FR"}), QStringLiteral("en"));
    QCOMPARE(pick({}), QStringLiteral("en"));
    QCOMPARE(resolveLanguage(QStringLiteral("system")), systemLanguage());
    QCOMPARE(resolveLanguage(QString()), systemLanguage());
  }

  void commandLineLanguage() {
    const auto args = [](std::initializer_list<const char*> a) {
      QStringList list{QStringLiteral("sfr-studio")};
      for (const char* s : a) list << QString::fromLatin1(s);
      return list;
    };
    QCOMPARE(languageFromArguments(args({"--lang", "de", "--demo"})), QStringLiteral("de"));
    QCOMPARE(languageFromArguments(args({"--demo", "--lang=zh_CN"})), QStringLiteral("zh_CN"));
    QCOMPARE(languageFromArguments(args({"--demo"})), QString());
    QCOMPARE(languageFromArguments(args({"--", "--lang", "de"})), QString());
    QCOMPARE(parseStudioArguments(args({"--lang", "zh_CN", "--demo"})).language,
             QStringLiteral("zh_CN"));
    QCOMPARE(parseStudioArguments(args({"--lang", "system"})).language, QStringLiteral("system"));
    QCOMPARE(parseStudioArguments(args({"--demo"})).language, QString());
    try {
      parseStudioArguments(args({"--lang", "fr"}));
      QFAIL("--lang fr was accepted");
    } catch (const sfr::Error& e) {
      QVERIFY2(QString::fromStdString(e.what()).contains(QStringLiteral("--lang expects")),
               e.what());
    }
  }

  void languageMenuStoresTheChoice() {
    QSettings().clear();
    QCOMPARE(storedLanguageChoice(), QStringLiteral("system"));
    MainWindow window;
    QMenu* view = nullptr;
    QMenu* menu = languageMenu(window, &view);
    QVERIFY(menu && view);
    QCOMPARE(view->title(), QStringLiteral("&View"));
    QStringList texts;
    for (QAction* a : menu->actions()) texts << a->objectName() + QLatin1Char('=') + a->text();
    qInfo("View > Language: %s", qPrintable(texts.join(QStringLiteral(", "))));
    QCOMPARE(menu->actions().size(), 4);
    auto* system = menu->findChild<QAction*>(QStringLiteral("languageAction_system"));
    auto* chinese = menu->findChild<QAction*>(QStringLiteral("languageAction_zh_CN"));
    auto* german = menu->findChild<QAction*>(QStringLiteral("languageAction_de"));
    auto* english = menu->findChild<QAction*>(QStringLiteral("languageAction_en"));
    QVERIFY(system && chinese && german && english);
    QVERIFY(system->isChecked());
    QCOMPARE(chinese->text(), QStringLiteral("简体中文"));
    QCOMPARE(german->text(), QStringLiteral("Deutsch"));
    QCOMPARE(english->text(), QStringLiteral("English"));

    german->trigger();
    QCOMPARE(storedLanguageChoice(), QStringLiteral("de"));
    QVERIFY(german->isChecked() && !system->isChecked());
    // The note is in the chosen language (read from the German .ts file).
    const TsFile de = readTs(tsPath(QStringLiteral("de")));
    const QString note = de.translation.value(
        key(QStringLiteral("LanguageMenu"),
            QStringLiteral("The language changes when SFR Studio is restarted.")));
    QVERIFY(!note.isEmpty());
    QCOMPARE(window.statusBar()->currentMessage(), note);

    chinese->trigger();
    QCOMPARE(storedLanguageChoice(), QStringLiteral("zh_CN"));
    english->trigger();
    QCOMPARE(storedLanguageChoice(), QStringLiteral("en"));
    QCOMPARE(window.statusBar()->currentMessage(),
             QStringLiteral("The language changes when SFR Studio is restarted."));
    // A new window checks the stored choice; an invalid stored value reads as "system".
    {
      MainWindow again;
      auto* en = languageMenu(again)->findChild<QAction*>(QStringLiteral("languageAction_en"));
      QVERIFY(en && en->isChecked());
    }
    QSettings().setValue(QStringLiteral("language"), QStringLiteral("klingon"));
    QCOMPARE(storedLanguageChoice(), QStringLiteral("system"));
    storeLanguageChoice(QStringLiteral("fr"));  // ignored
    QCOMPARE(QSettings().value(QStringLiteral("language")).toString(), QStringLiteral("klingon"));
  }
};

QTEST_MAIN(TranslationsTest)
#include "tst_translations.moc"
