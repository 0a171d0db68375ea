package io.exostate.core.template;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DependentStringTest
{
    @Test
    void shouldTakeTextWithoutPlaceholderLiterally() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("plain }} text");

        assertThat(s.isLiteral()).isTrue();
        assertThat(s.head()).isEqualTo("plain }} text");
        assertThat(s.partCount()).isZero();
        assertThat(s.storeKeys()).isEmpty();
    }

    @Test
    void shouldSplitHeadPlaceholdersAndTails() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("x-${{a.outputs.b}}-${{ store.k }}-y");

        assertThat(s.isLiteral()).isFalse();
        assertThat(s.head()).isEqualTo("x-");
        assertThat(s.partCount()).isEqualTo(2);
        assertThat(s.identifier(0)).isEqualTo("a");
        assertThat(s.field(0)).isEqualTo("b");
        assertThat(s.tail(0)).isEqualTo("-");
        assertThat(s.isStore(0)).isFalse();
        assertThat(s.identifier(1)).isEqualTo("store");
        assertThat(s.field(1)).isEqualTo("k");
        assertThat(s.tail(1)).isEqualTo("-y");
        assertThat(s.isStore(1)).isTrue();
        assertThat(s.storeKeys()).containsExactly("k");
    }

    @Test
    void shouldTrimWhitespaceAroundEachPart() throws TemplateSyntaxException
    {
        assertThat(DependentString.parse("${{ a . outputs . b }}"))
            .isEqualTo(DependentString.parse("${{a.outputs.b}}"));
    }

    @Test
    void shouldTrimPythonWhitespaceThatJavaKeeps() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("${{\u00A0a.outputs.b\u00A0}}");

        assertThat(s.identifier(0)).isEqualTo("a");
        assertThat(s.field(0)).isEqualTo("b");
    }

    @Test
    void shouldKeepEmptyHeadAndEmptyTails() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("${{a.outputs.b}}${{a.outputs.c}}");

        assertThat(s.head()).isEmpty();
        assertThat(s.tail(0)).isEmpty();
        assertThat(s.tail(1)).isEmpty();
    }

    @Test
    void shouldKeepClosingBracesAfterTheFirstInTheTail() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("${{a.outputs.b}} and }} more");

        assertThat(s.field(0)).isEqualTo("b");
        assertThat(s.tail(0)).isEqualTo(" and }} more");
    }

    @Test
    void shouldParseStoreOutputsAsStoreKeyQuirk() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("${{ store.outputs.k }}");

        assertThat(s.isStore(0)).isTrue();
        assertThat(s.identifier(0)).isEqualTo("store");
        assertThat(s.field(0)).isEqualTo("k");
        assertThat(s.storeKeys()).containsExactly("k");
    }

    @Test
    void shouldParseEmptyIdentifierQuirk() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse("${{ .outputs.x }}");

        assertThat(s.identifier(0)).isEmpty();
        assertThat(s.field(0)).isEqualTo("x");
        assertThat(s.isStore(0)).isFalse();
    }

    @Test
    void shouldListDistinctDependenciesInOrderOfFirstAppearance() throws TemplateSyntaxException
    {
        final DependentString s = DependentString.parse(
            "${{b.outputs.f}}${{a.outputs.g}}${{b.outputs.f}}${{store.k}}${{store.k}}${{b.outputs.h}}");

        assertThat(s.partCount()).isEqualTo(6);
        assertThat(s.dependencies()).containsExactly(
            new DependentString.Dependency("b", "f"),
            new DependentString.Dependency("a", "g"),
            new DependentString.Dependency("store", "k"),
            new DependentString.Dependency("b", "h"));
        assertThat(s.storeKeys()).containsExactly("k");
    }

    @Test
    void shouldRejectUnclosedPlaceholder()
    {
        assertThatThrownBy(() -> DependentString.parse("x ${{ a.outputs.b"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder  a.outputs.b for: x ${{ a.outputs.b '${{' not closed");
    }

    @Test
    void shouldRejectTrailingOpenMarkerWithEmptyPiece()
    {
        assertThatThrownBy(() -> DependentString.parse("${{a.outputs.b}}${{"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder  for: ${{a.outputs.b}}${{ '${{' not closed");
    }

    @Test
    void shouldRejectNestedFieldsQuotingRawContent()
    {
        assertThatThrownBy(() -> DependentString.parse("v=${{ a.outputs.b.c }}"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder  a.outputs.b.c  for: v=${{ a.outputs.b.c }}");
    }

    @Test
    void shouldRejectTwoPartsThatAreNotStore()
    {
        assertThatThrownBy(() -> DependentString.parse("${{a.b}}"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder a.b for: ${{a.b}}");
    }

    @Test
    void shouldRejectThreePartsWithoutOutputs()
    {
        assertThatThrownBy(() -> DependentString.parse("${{a.inputs.b}}"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder a.inputs.b for: ${{a.inputs.b}}");
    }

    @Test
    void shouldRejectEmptyPlaceholder()
    {
        assertThatThrownBy(() -> DependentString.parse("${{}}"))
            .isInstanceOf(TemplateSyntaxException.class)
            .hasMessage("Invalid syntax string placeholder  for: ${{}}");
    }

    @Test
    void shouldReportTheFirstBadPlaceholder()
    {
        assertThatThrownBy(() -> DependentString.parse("${{a.outputs.b}}${{bad}}${{store}}"))
            .hasMessage("Invalid syntax string placeholder bad for: ${{a.outputs.b}}${{bad}}${{store}}");
    }

    @Test
    void shouldExposeImmutableParts() throws TemplateSyntaxException
    {
        final List<DependentString.Part> parts = DependentString.parse("${{a.outputs.b}}").parts();

        assertThat(parts).containsExactly(new DependentString.Part("a", "b", ""));
        assertThatThrownBy(() -> parts.add(new DependentString.Part("x", "y", "")))
            .isInstanceOf(UnsupportedOperationException.class);
    }
}
