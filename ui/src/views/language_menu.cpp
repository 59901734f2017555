#include "sfr/ui/views/language_menu.h"

#include <QAction>
#include <QActionGroup>
#include <QCoreApplication>
#include <QMainWindow>
#include <QMenu>
#include <QStatusBar>
#include <QTranslator>

#include "sfr/ui/model/language.h"

namespace sfr::ui {

namespace {

struct Text {
  Q_DECLARE_TR_FUNCTIONS(LanguageMenu)
};

// The restart note in the language just chosen (the user may not read the current one).
QString restartNote(const QString& code) {
  const char* source =
      QT_TRANSLATE_NOOP("LanguageMenu", "The language changes when SFR Studio is restarted.");
  const QString resolved = resolveLanguage(code);
  if (resolved == currentLanguage()) return Text::tr(source);
  QTranslator translator;
  if (resolved != QLatin1String("en") && translator.load(translationFile(resolved))) {
    const QString text = translator.translate("LanguageMenu", source);
    if (!text.isEmpty()) return text;
  }
  return QString::fromUtf8(source);
}

}  // namespace

QMenu* createLanguageMenu(QMainWindow* window) {
  auto* menu = new QMenu(Text::tr("&Language"), window);
  menu->setObjectName(QStringLiteral("languageMenu"));
  auto* group = new QActionGroup(menu);
  group->setExclusive(true);
  const QString stored = storedLanguageChoice();
  QStringList choices{QStringLiteral("system")};
  choices << availableLanguages();
  for (const QString& code : choices) {
    const QString text = code == QLatin1String("system")
                             ? Text::tr("System (%1)").arg(languageNativeName(systemLanguage()))
                             : languageNativeName(code);
    QAction* action = menu->addAction(text);
    action->setObjectName(QStringLiteral("languageAction_") + code);
    action->setCheckable(true);
    action->setChecked(code == stored);
    group->addAction(action);
    QObject::connect(action, &QAction::triggered, window, [window, code] {
      storeLanguageChoice(code);
      window->statusBar()->showMessage(restartNote(code), 10000);
    });
  }
  return menu;
}

}  // namespace sfr::ui
