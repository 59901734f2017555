#include "sfr/ui/model/language.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>
#include <memory>

namespace sfr::ui {

namespace {

constexpr char kSettingsKey[] = "language";
constexpr char kSystem[] = "system";

// The translators installTranslators() put on the application (owned here, removed on change).
struct Installed {
  std::unique_ptr<QTranslator> studio;
  std::unique_ptr<QTranslator> qt;
  QString code = QStringLiteral("en");
};

Installed& installed() {
  static Installed state;
  return state;
}

void removeInstalled() {
  Installed& state = installed();
  for (std::unique_ptr<QTranslator>* t : {&state.studio, &state.qt}) {
    if (*t && QCoreApplication::instance()) QCoreApplication::removeTranslator(t->get());
    t->reset();
  }
  state.code = QStringLiteral("en");
}

}  // namespace

QStringList availableLanguages() {
  return {QStringLiteral("en"), QStringLiteral("zh_CN"), QStringLiteral("de")};
}

QString languageNativeName(const QString& code) {
  if (code == QLatin1String("en")) return QStringLiteral("English");
  if (code == QLatin1String("zh_CN")) return QStringLiteral("简体中文");
  if (code == QLatin1String("de")) return QStringLiteral("Deutsch");
  return code;
}

bool isLanguageChoice(const QString& code) {
  return code.isEmpty() || code == QLatin1String(kSystem) || availableLanguages().contains(code);
}

QString languageForUiLanguages(const QStringList& uiLanguages) {
  for (const QString& name : uiLanguages) {
    const QLocale locale(name);
    switch (locale.language()) {
      case QLocale::English:
        return QStringLiteral("en");
      case QLocale::German:
        return QStringLiteral("de");
      case QLocale::Chinese:
        // QLocale fills in the likely script: "zh" and "zh-CN" are simplified, "zh-TW" and
        // "zh-HK" traditional (not shipped: the next preference is tried).
        if (locale.script() == QLocale::SimplifiedHanScript) return QStringLiteral("zh_CN");
        break;
      default:
        break;
    }
  }
  return QStringLiteral("en");
}

QString systemLanguage() {
  return languageForUiLanguages(QLocale::system().uiLanguages());
}

QString storedLanguageChoice() {
  const QString code = QSettings().value(QLatin1String(kSettingsKey)).toString();
  return isLanguageChoice(code) && !code.isEmpty() ? code : QString::fromLatin1(kSystem);
}

void storeLanguageChoice(const QString& code) {
  if (!isLanguageChoice(code)) return;
  QSettings().setValue(QLatin1String(kSettingsKey),
                       code.isEmpty() ? QString::fromLatin1(kSystem) : code);
}

QString languageFromArguments(const QStringList& arguments) {
  const QString option = QStringLiteral("--lang");
  const QString prefix = option + QLatin1Char('=');
  QString value;
  for (qsizetype i = 1; i < arguments.size(); ++i) {
    const QString& a = arguments[i];
    if (a == QLatin1String("--")) break;
    if (a == option && i + 1 < arguments.size())
      value = arguments[++i];
    else if (a.startsWith(prefix))
      value = a.mid(prefix.size());
  }
  return value;
}

QString resolveLanguage(const QString& choice) {
  if (choice.isEmpty() || choice == QLatin1String(kSystem)) return systemLanguage();
  return availableLanguages().contains(choice) ? choice : QStringLiteral("en");
}

QString translationFile(const QString& code) {
  if (code == QLatin1String("en") || !availableLanguages().contains(code)) return {};
  const QString name = QStringLiteral("sfr_studio_%1.qm").arg(code);
  if (QCoreApplication::instance()) {
    const QString installedFile =
        QDir(QCoreApplication::applicationDirPath())
            .filePath(QStringLiteral("../share/sfr-studio/translations/") + name);
    if (QFileInfo::exists(installedFile)) return QDir::cleanPath(installedFile);
  }
  return QStringLiteral(":/i18n/") + name;
}

QString installTranslators(const QString& choice) {
  const QString code = resolveLanguage(choice);
  removeInstalled();
  if (code == QLatin1String("en")) return currentLanguage();

  auto studio = std::make_unique<QTranslator>();
  if (!studio->load(translationFile(code))) return currentLanguage();
  Installed& state = installed();
  QCoreApplication::installTranslator(studio.get());
  state.studio = std::move(studio);
  // Qt's own strings (standard buttons, file dialogs): optional, Debian's qt6-translations-l10n.
  auto qt = std::make_unique<QTranslator>();
  if (qt->load(QStringLiteral("qtbase_") + code,
               QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
    QCoreApplication::installTranslator(qt.get());
    state.qt = std::move(qt);
  }
  state.code = code;
  return code;
}

QString currentLanguage() {
  return installed().code;
}

}  // namespace sfr::ui
