#pragma once
// The studio's user-interface language (no widgets). SFR Studio ships English (the source
// strings), Simplified Chinese ("zh_CN") and German ("de"); translations/ holds the .ts files,
// compiled at build time into .qm files that are embedded in sfr_ui under ":/i18n" (and
// installed into share/sfr-studio/translations, which takes precedence when present).
//
// The language is chosen, in this order, by `--lang CODE`, the stored setting (View > Language,
// QSettings key "language") and the system locale; "system" (or an empty code) means the
// system locale. A choice made in the menu takes effect on the next start.
#include <QString>
#include <QStringList>

namespace sfr::ui {

/// The shipped languages, source language first: "en", "zh_CN", "de".
QStringList availableLanguages();

/// A language's name in that language ("English", "简体中文", "Deutsch"); the code itself for
/// an unknown one.
QString languageNativeName(const QString& code);

/// Whether `code` is "system", empty, or one of availableLanguages().
bool isLanguageChoice(const QString& code);

/// The shipped language for a list of UI languages in order of preference (BCP 47 names as
/// QLocale::uiLanguages() gives them: "de-DE", "zh-Hans-CN", "zh-CN", ...): the first one that is
/// English, German or Simplified Chinese (Chinese in the Han-simplified script, or without a
/// script outside Taiwan, Hong Kong and Macau); "en" when none is.
QString languageForUiLanguages(const QStringList& uiLanguages);

/// The language "system" stands for on this machine (QLocale::system().uiLanguages()).
QString systemLanguage();

/// The stored choice (QSettings key "language"): "system" when none is stored or it is invalid.
QString storedLanguageChoice();
/// Stores a choice ("system" or a shipped code); invalid codes are ignored.
void storeLanguageChoice(const QString& code);

/// The value of `--lang CODE` / `--lang=CODE` in `arguments` (argv, program name first); empty
/// when absent. Read before QCommandLineParser runs, so that --help is already translated.
QString languageFromArguments(const QStringList& arguments);

/// Resolves `choice` ("system"/empty: the system's language) to a shipped code.
QString resolveLanguage(const QString& choice);

/// Installs the translators of `code` (a shipped code, or "system"/empty) on the application,
/// replacing the ones a previous call installed: the studio's own strings and, when the system
/// has them (Debian: qt6-translations-l10n), Qt's (standard buttons, file dialogs). "en" removes
/// them. Returns the code now in effect ("en" when the studio's file cannot be loaded).
QString installTranslators(const QString& code);

/// The code installTranslators() last put in effect ("en" before any call).
QString currentLanguage();

/// Where the studio's .qm file for `code` is read from: the installed copy
/// (<bin>/../share/sfr-studio/translations/sfr_studio_<code>.qm) when it exists, else the
/// embedded resource (":/i18n/sfr_studio_<code>.qm"); empty for "en".
QString translationFile(const QString& code);

}  // namespace sfr::ui
